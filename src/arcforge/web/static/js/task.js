// The task page: demonstrations, the test input and the output editor (solve view), with the
// traces and variations panels below (beside, on wide screens) and live updates for this task.
// Grids are sized to the free space, so that at 1440x900 a 30x30 task shows its demonstrations
// at 10 px a cell or more and the test input, the output, Submit and the feedback without
// scrolling; narrow screens stack everything in one column.

import { ApiError, enc, get, me, post } from "./api.js";
import { DescriptionForm } from "./describe.js";
import { $, fill, h, isTyping, toast } from "./dom.js";
import { logEntry, newSession, startLog } from "./editor.js";
import { blankGrid, gridFigure } from "./grid.js";
import { mountHeader } from "./header.js";
import { Live } from "./live.js";
import { TracesPanel } from "./traces.js";
import { VariationsPanel, describeSpec, versionHref } from "./variations.js";
import { Workbench } from "./workbench.js";

const params = new URLSearchParams(location.search);
const state = {
  taskId: decodeURIComponent(location.pathname.replace(/\/+$/, "").split("/").pop()),
  source: params.get("source") || "",
  version: Number(params.get("v") || 0),
  task: null,
  user: null,
  protocol: null,
  mode: "study", // chosen per task: every task starts in study mode
  testIndex: 0,
  sessions: new Map(),
  attemptsLeft: [],
  practiceLeft: [],
  solved: new Set(),
  describable: new Map(), // test index -> attempt id a description may follow
};

const bench = new Workbench({ onChange: () => { updateChrome(); saveDraft(); } });
const ui = {};
const describe = new DescriptionForm({ onSaved: () => { state.describable.delete(state.testIndex); traces.load(); } });
const traces = new TracesPanel({ onCount: (n) => { ui.tracesTab.dataset.count = String(n); }, onReveal: reveal });
const variations = new VariationsPanel({ onNavigate: (v, refresh) => openVersion(v, refresh) });
const live = new Live(onLive, (s) => { ui.liveDot.className = `live-dot ${s}`; ui.liveDot.title = s === "live" ? "live updates on" : "live updates reconnecting"; },
  () => { traces.load(); refreshVersions(); }); // back after a drop: what changed meanwhile

async function main() {
  const firstTask = fetchTask(state.version); // in parallel with the account request
  firstTask.catch(() => {});
  state.user = await mountHeader("tasks");
  state.protocol = (await me()).protocol;
  buildLayout();
  document.addEventListener("keydown", onKey);
  window.addEventListener("popstate", () => {
    const p = new URLSearchParams(location.search);
    loadTask(Number(p.get("v") || 0), false);
  });
  document.addEventListener("visibilitychange", () => {
    logEntry(bench.session, document.hidden ? "away" : "back");
  });
  await loadTask(state.version, false, firstTask);
  bench.follow(ui.demos, ui.work);
  live.subscribe([state.taskId]);
}

// ---- layout ----------------------------------------------------------------------------

function buildLayout() {
  ui.taskbar = h("div.taskbar");
  ui.demos = h("div.demos");
  ui.testNav = h("div.test-nav");
  ui.testInput = h("div.test-input");
  ui.testAnswer = h("div.test-answer#test-answer");
  ui.result = h("div.result#result", { role: "status", hidden: true });
  ui.submit = h("button.primary#submit", { type: "button", title: "Submit (Ctrl+Enter)", onclick: submit }, "Submit");
  ui.attempts = h("span.attempts#attempts-left");
  const practice = state.protocol?.practice !== false;
  ui.modeButtons = (practice ? ["study", "practice"] : ["study"]).map((m) => h("button", {
    type: "button", dataset: { mode: m }, "aria-pressed": String(state.mode === m),
    title: m === "practice"
      ? `Practice: right or wrong, and whether the size is right; ${state.protocol?.practice_attempts ?? 20} per test input, not counted in study`
      : `Study: ${studyAttempts()} attempts per test input; a correct answer or using them up shows the answer`,
    onclick: () => setMode(m),
  }, m));
  ui.tracesTab = h("button.tab#tab-traces", { type: "button", onclick: () => showTab("traces") }, "Traces");
  ui.variationsTab = h("button.tab#tab-variations", { type: "button", onclick: () => showTab("variations") }, "Variations");
  ui.liveDot = h("span.live-dot", { title: "connecting" });
  ui.outputFig = h("figure.grid-figure.output-figure",
    h("div.output-wrap", bench.output.el),
    h("figcaption", h("span", "your output"), " ", bench.shape));
  ui.work = h("div.work", ui.testInput, ui.outputFig, ui.testAnswer);

  fill($("#app"),
    ui.taskbar,
    h("div.task-layout",
      h("section.panel.demos-panel", h("h2", "Demonstrations"), ui.demos),
      h("section.panel.solve-panel",
        h("div.panel-head", h("h2", "Test"), ui.testNav, h("span.spacer"),
          h("div.mode-switch", { role: "group", "aria-label": "mode" }, ui.modeButtons)),
        bench.toolbar,
        ui.work,
        h("div.bench-foot", bench.status, h("span.spacer"), bench.toggles),
        bench.gridbar,
        h("div.submit-row", ui.submit, ui.attempts, ui.result),
        describe.el),
      h("section.panel.side-panel",
        h("div.tabs", { role: "tablist" }, ui.tracesTab, ui.variationsTab, h("span.spacer"), ui.liveDot),
        h("div.tab-body", traces.el, variations.el))));
  showTab(localStorage.getItem("arcforge.tab") === "variations" ? "variations" : "traces");
  setMode(state.mode, false);
}

function studyAttempts() {
  return state.protocol?.study_attempts ?? 2;
}

function showTab(name) {
  localStorage.setItem("arcforge.tab", name);
  traces.el.hidden = name !== "traces";
  variations.el.hidden = name !== "variations";
  if (name === "variations" && state.task && variations.task !== state.task) variations.setTask(state.task, state.user);
  ui.tracesTab.classList.toggle("active", name === "traces");
  ui.variationsTab.classList.toggle("active", name === "variations");
  ui.tracesTab.setAttribute("aria-selected", String(name === "traces"));
  ui.variationsTab.setAttribute("aria-selected", String(name === "variations"));
}

/** Size every grid to the space it has (see Workbench.layout). */
function layoutGrids() {
  if (state.task) bench.layout(ui.demos, ui.work);
}

// ---- loading ---------------------------------------------------------------------------

function fetchTask(version) {
  const q = new URLSearchParams({ version: String(version) });
  if (state.source) q.set("source", state.source);
  return get(`/api/tasks/${enc(state.taskId)}?${q}`);
}

let loadSeq = 0;

async function loadTask(version, push, pending = null) {
  const seq = ++loadSeq;
  let task;
  try {
    task = await (pending || fetchTask(version));
    if (seq !== loadSeq) return; // a later navigation won
  } catch (err) {
    if (seq !== loadSeq) return;
    if (err instanceof ApiError && err.status === 401) {
      location.href = `/login?next=${enc(location.pathname + location.search)}`;
      return;
    }
    const message = `Cannot open ${state.taskId}${version ? ` v${version}` : ""}: ${err.message}`;
    if (state.task) {
      toast(message, "error"); // keep the version shown
      if (push) return;
    }
    const original = { id: state.taskId, source: state.source };
    fill($("#app"), h("div.card.problem#load-error",
      h("h1", "This task is not available"),
      h("p.error", message),
      h("p", version ? [h("a", { href: versionHref(original, 0) }, `Open the original ${state.taskId}`), " · "] : null,
        h("a", { href: `/${state.source ? `?source=${enc(state.source)}` : ""}` }, "Back to the task list"))));
    document.body.dataset.ready = "error";
    return;
  }
  leaveTest("version");
  flushDraft();
  state.task = task;
  state.version = task.version;
  if (!state.source && task.source) state.source = task.source;
  if (push) history.pushState(null, "", versionHref(task, task.version));
  document.title = `${task.id}${task.version ? ` v${task.version}` : ""} · arcforge studio`;
  state.sessions = new Map();
  state.testIndex = 0;
  state.attemptsLeft = task.test.map(() => studyAttempts());
  state.practiceLeft = task.test.map(() => state.protocol?.practice_attempts ?? null);
  state.solved = new Set();
  state.describable = new Map();
  renderTaskbar();
  renderDemos();
  renderTest();
  traces.setTask(task, state.user);
  if (!variations.el.hidden) variations.setTask(task, state.user);
  loadAttempts();
  if (!document.body.dataset.ready) performance.mark("arcforge:task-interactive");
  document.body.dataset.ready = "true";
}

async function openVersion(version, refresh = false) {
  if (version === state.version && !refresh) return;
  await loadTask(version, true);
}

/** Refetch the version list only (a variation was signed or removed elsewhere). */
async function refreshVersions() {
  const shown = state.task;
  try {
    const fresh = await fetchTask(shown.version);
    if (state.task !== shown) return; // another version was opened meanwhile
    shown.versions = fresh.versions;
    shown.versions_total = fresh.versions_total;
    shown.signed_by = fresh.signed_by;
    renderTaskbar();
    if (!variations.el.hidden || variations.task) variations.setTask(shown, state.user);
  } catch {
    // the version shown may have been removed; keep what is shown
  }
}

async function loadAttempts() {
  if (!state.user) return;
  const shown = state.task;
  try {
    const data = await get(`/api/tasks/${enc(state.taskId)}/attempts?version=${shown.version}`);
    if (state.task !== shown) return;
    state.attemptsLeft = data.attempts_left;
    state.practiceLeft = data.practice_left;
    const study = new Map();
    for (const a of data.items) {
      if (a.correct && a.mode !== "check") state.solved.add(a.test_index);
      if (a.mode === "study") study.set(a.test_index, [...(study.get(a.test_index) || []), a]);
    }
    for (const [i, tries] of study) {
      const last = tries[tries.length - 1];
      const over = last.correct || tries.length >= studyAttempts();
      if (over && !tries.some((a) => a.description_id)) state.describable.set(i, last.id);
    }
    renderTestNav();
    updateChrome();
    offerDescription();
  } catch {
    // attempts are a hint only
  }
}

// ---- rendering -------------------------------------------------------------------------

function renderTaskbar() {
  const t = state.task;
  const src = state.source ? `?source=${enc(state.source)}` : "";
  const taskLink = (id, label, rel) => id
    ? h("a.button", { href: `/task/${enc(id)}${src}`, rel, id: `${rel}-task`, title: `${rel === "prev" ? "Previous" : "Next"} task (Alt+${rel === "prev" ? "←" : "→"})` }, label)
    : h("span.button.disabled", label);
  const versions = (t.versions || []).filter((v) => !v.removed || v.version === t.version);
  const current = versions.find((v) => v.version === t.version);
  fill(ui.taskbar,
    taskLink(t.prev, "‹", "prev"),
    h("div.task-title",
      h("h1.mono", t.id),
      h("span.dim", t.number ? `#${t.number}` : ""),
      t.source ? h("a.dim.source", { href: `/?source=${enc(t.source)}` }, t.source) : null),
    taskLink(t.next, "›", "next"),
    h("button#random-task", { type: "button", title: "Random task", onclick: randomTask }, "⚄ Random"),
    h("nav.version-tabs", { "aria-label": "versions" }, versions.map((v) => h("a.version-chip", {
      href: versionHref(t, v.version),
      class: [v.version === t.version ? "active" : "", v.removed ? "removed" : ""].join(" "),
      title: `v${v.version}: ${describeSpec(v.transform)} · signed by ${v.signed_by?.join(", ") || "nobody yet"}`,
      dataset: { version: String(v.version) },
      onclick: (e) => { e.preventDefault(); openVersion(v.version); },
    }, `v${v.version}`, v.version ? h("span.dim", ` ${describeSpec(v.transform)}`) : null))),
    h("span.spacer"),
    t.source_differs ? h("span.badge.error", { title: `${t.source} has another task with this id; the studio serves the one imported first` }, "differs from source") : null,
    current?.removed ? h("span.badge.bad#removed-version", { title: "this version was removed; it can be viewed but not solved" }, "removed") : null,
    h("div.signers#signers", t.version === 0 && !t.signed_by?.length ? h("span.dim", "original")
      : [h("span.dim", "signed by "), t.signed_by?.length ? t.signed_by.join(", ") : "nobody"]));
}

function renderDemos() {
  bench.untrack();
  fill(ui.demos, state.task.train.map((pair, i) => {
    const a = gridFigure(pair.input, `${i + 1} input`, { maxWidth: 200, maxHeight: 200, maxCell: 32, name: `train-${i}-input`, label: `demonstration ${i + 1} input` });
    const b = gridFigure(pair.output, `${i + 1} output`, { maxWidth: 200, maxHeight: 200, maxCell: 32, name: `train-${i}-output`, label: `demonstration ${i + 1} output` });
    bench.track(a.view);
    bench.track(b.view);
    return h("div.pair", { dataset: { pair: String(i) } }, a.fig, h("span.arrow", "→"), b.fig);
  }));
}

function session(i) {
  if (!state.sessions.has(i)) {
    const input = state.task.test[i].input;
    const draft = readDraft(i);
    let s;
    if (draft?.actions) {
      s = newSession(draft.grid, "reload", draft.actions, draft.t0);
      logEntry(s, "view", { since: "reload", grid: draft.grid });
    } else {
      s = newSession(draft?.grid || blankGrid(input.length, input[0].length), "open");
    }
    state.sessions.set(i, s);
  } else {
    logEntry(state.sessions.get(i), "view", { since: "return" });
  }
  return state.sessions.get(i);
}

function renderTestNav() {
  const n = state.task.test.length;
  const i = state.testIndex;
  fill(ui.testNav,
    n > 1 ? h("button#prev-test", { type: "button", disabled: i === 0, title: "Previous test input ([)", onclick: () => setTest(i - 1) }, "‹") : null,
    h("span#test-label", `Test input ${i + 1} of ${n}`),
    n > 1 ? h("button#next-test", { type: "button", disabled: i === n - 1, title: "Next test input (])", onclick: () => setTest(i + 1) }, "›") : null,
    state.solved.has(i) ? h("span.badge.ok", "✓ solved") : null);
}

function renderTest() {
  const i = state.testIndex;
  const input = state.task.test[i].input;
  renderTestNav();
  bench.untrack(["test-input", "test-answer"]);
  const { fig, view } = gridFigure(input, `test input ${i + 1}`, { maxWidth: 300, maxHeight: 300, maxCell: 32, name: "test-input", label: "test input" });
  bench.track(view);
  fill(ui.testInput, fig);
  bench.setInput(input);
  renderAnswer();
  ui.result.hidden = true;
  bench.setSession(session(i));
  offerDescription();
  layoutGrids();
}

/** The test output, once the server sends it (solved in study mode, study attempts used up,
 * or revealed). */
function renderAnswer() {
  const output = state.task.test[state.testIndex].output;
  bench.untrack(["test-answer"]);
  if (!output) {
    fill(ui.testAnswer);
    return;
  }
  const { fig, view } = gridFigure(output, "answer", { maxWidth: 220, maxHeight: 300, maxCell: 32, name: "test-answer", label: "answer" });
  bench.track(view, false);
  fill(ui.testAnswer, fig);
}

/** Refetch what this version shows me (answers, traces) after they may have been unlocked,
 * keeping the editor as it is. */
async function refreshAnswers() {
  const shown = state.task;
  try {
    const fresh = await fetchTask(shown.version);
    if (state.task !== shown) return;
    shown.test = fresh.test;
    renderAnswer();
    layoutGrids();
  } catch {
    return;
  }
  traces.load();
  loadAttempts();
}

/** Log that the current test input is left (for another one, a version or the page). */
function leaveTest(to) {
  if (state.task) logEntry(state.sessions.get(state.testIndex), "leave", { to });
}

function setTest(i) {
  if (i < 0 || i >= state.task.test.length || i === state.testIndex) return;
  leaveTest(`test input ${i + 1}`);
  flushDraft();
  state.testIndex = i;
  renderTest();
}

function updateChrome() {
  if (!bench.session) return;
  const i = state.testIndex;
  const n = studyAttempts();
  const left = state.attemptsLeft[i] ?? n;
  const removed = state.task?.versions?.find((v) => v.version === state.task.version)?.removed;
  if (removed) {
    ui.submit.disabled = true;
    ui.attempts.textContent = "this version was removed: solve another one";
  } else if (!state.user) {
    ui.submit.disabled = true;
    fill(ui.attempts, h("a", { href: `/login?next=${enc(location.pathname + location.search)}` }, "Log in"), " to submit");
  } else if (state.mode === "study") {
    ui.submit.disabled = left <= 0;
    ui.attempts.textContent = `${left} of ${n} attempt${n === 1 ? "" : "s"} left`;
  } else {
    const practice = state.practiceLeft[i] ?? state.protocol?.practice_attempts ?? 0;
    ui.submit.disabled = practice <= 0;
    ui.attempts.textContent = `practice: ${practice} of ${state.protocol?.practice_attempts ?? practice} left`;
  }
}

function setMode(mode, logged = true) {
  if (mode === "practice" && state.protocol?.practice === false) return;
  if (logged && mode !== state.mode) logEntry(bench.session, "mode", { mode });
  state.mode = mode;
  ui.modeButtons.forEach((b) => {
    b.classList.toggle("active", b.dataset.mode === mode);
    b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
  });
  ui.result.hidden = true;
  updateChrome();
}

// ---- submit ----------------------------------------------------------------------------

async function submit() {
  if (ui.submit.disabled) return;
  const i = state.testIndex;
  const s = bench.session;
  const mode = state.mode;
  ui.submit.disabled = true;
  let r;
  try {
    r = await post(`/api/tasks/${enc(state.taskId)}/attempts`, {
      version: state.version, test_index: i, grid: s.grid, mode, actions: s.actions,
      duration_ms: Math.max(0, Date.now() - s.t0),
    });
  } catch (err) {
    logEntry(s, "refused", { mode, status: err.status ?? 0 });
    showResult("error", err.status === 401 ? "Log in to submit." : err.message);
    if (err.status === 409 && mode === "study") state.attemptsLeft[i] = 0;
    if (err.status === 429 && mode === "practice" && !err.message.includes("try again")) state.practiceLeft[i] = 0;
    updateChrome();
    return;
  }
  startLog(s, "submit"); // the server stored this attempt's log; the next attempt starts here
  saveDraft();
  if (r.attempts_left !== null && r.attempts_left !== undefined) state.attemptsLeft[i] = r.attempts_left;
  if (r.practice_left !== null && r.practice_left !== undefined) state.practiceLeft[i] = r.practice_left;
  const n = studyAttempts();
  if (r.correct) {
    state.solved.add(i);
    renderTestNav();
    const more = state.task.test.findIndex((_, j) => !state.solved.has(j));
    showResult("ok", "✓ Correct!", more >= 0 ? h("button.link#next-test-input", { type: "button", onclick: () => setTest(more) }, ` Go to test input ${more + 1} ›`)
      : state.task.next ? h("a#next-task-link", { href: `/task/${enc(state.task.next)}${state.source ? `?source=${enc(state.source)}` : ""}` }, " Next task ›") : null);
  } else if (mode === "practice") {
    showResult("bad", "✗ Not yet. ", r.same_shape ? "The size is right." : "The size is wrong.");
  } else {
    const left = state.attemptsLeft[i];
    showResult("bad", "✗ Not correct.", ` ${left} of ${n} attempt${n === 1 ? "" : "s"} left.`);
  }
  updateChrome();
  if (mode === "study" && (r.correct || r.attempts_left === 0)) {
    state.describable.set(i, r.attempt_id);
    offerDescription();
  }
  if (mode === "practice") loadAttempts(); // keep the attempt list current
  else if (r.attempts_left === 0) refreshAnswers(); // its answer is unlocked now
}

/** After a study solve (or used-up attempts) on this test input: offer to describe it. */
function offerDescription() {
  const attempt = state.describable.get(state.testIndex);
  describe.show(attempt === undefined ? null : { taskId: state.taskId, attemptId: attempt, testIndex: state.testIndex });
}

/** Reveal every answer of this task: recorded on the server, ends my study attempts here. */
async function reveal() {
  if (!confirm("Reveal the answers of this task? You will see its test outputs, traces and runs, and your study attempts on it end.")) return;
  try {
    await post(`/api/tasks/${enc(state.taskId)}/reveal`);
  } catch (err) {
    toast(`Cannot reveal: ${err.message}`, "error");
    return;
  }
  logEntry(bench.session, "reveal");
  toast("Answers revealed", "ok");
  await refreshAnswers();
}

function showResult(kind, ...content) {
  ui.result.className = `result ${kind}`;
  fill(ui.result, content);
  ui.result.hidden = false;
}

// ---- drafts: unsent work and its log survive a reload ----------------------------------

const draftKey = (i) => `arcforge.draft:${state.taskId}:${state.version}:${i}`;
let draftTimer = null;
let pendingDraft = null;

function saveDraft() {
  clearTimeout(draftTimer);
  const s = bench.session;
  pendingDraft = [draftKey(state.testIndex), { grid: s.grid, actions: s.actions, t0: s.t0 }];
  draftTimer = setTimeout(flushDraft, 300);
}

function flushDraft() {
  clearTimeout(draftTimer);
  if (!pendingDraft) return;
  const [key, draft] = pendingDraft;
  pendingDraft = null;
  try { sessionStorage.setItem(key, JSON.stringify(draft)); } catch { /* storage full */ }
}

window.addEventListener("pagehide", () => { leaveTest("page"); saveDraft(); flushDraft(); });

const isGrid = (g) => Array.isArray(g) && g.length && Array.isArray(g[0]);

function readDraft(i) {
  try {
    const d = JSON.parse(sessionStorage.getItem(draftKey(i)) || "null");
    if (isGrid(d)) return { grid: d }; // a draft of an older page: the grid only
    if (d && isGrid(d.grid) && Array.isArray(d.actions) && Number.isFinite(d.t0)) return d;
  } catch {
    // a broken draft is dropped
  }
  return null;
}

// ---- navigation and keys ---------------------------------------------------------------

async function randomTask() {
  try {
    const { id } = await get(`/api/tasks/random${state.source ? `?source=${enc(state.source)}` : ""}`);
    location.href = `/task/${enc(id)}${state.source ? `?source=${enc(state.source)}` : ""}`;
  } catch (err) {
    toast(err.message, "error");
  }
}

function onKey(e) {
  if (!state.task) return;
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !isTyping(e)) { e.preventDefault(); submit(); return; }
  if (isTyping(e) || document.querySelector("dialog[open]")) return;
  if (e.altKey && (e.key === "ArrowLeft" || e.key === "ArrowRight")) {
    const id = e.key === "ArrowLeft" ? state.task.prev : state.task.next;
    if (id) location.href = `/task/${enc(id)}${state.source ? `?source=${enc(state.source)}` : ""}`;
    e.preventDefault();
    return;
  }
  if (e.key.startsWith("Arrow") && e.target instanceof HTMLInputElement) return; // radio groups
  if (bench.handleKey(e)) { e.preventDefault(); return; }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === "[") setTest(state.testIndex - 1);
  else if (e.key === "]") setTest(state.testIndex + 1);
}

function onLive(msg) {
  if (msg.task_id !== state.taskId) return;
  if (msg.type.startsWith("trace_")) traces.onLive(msg);
  else if (msg.type === "variation_signed" || msg.type === "variation_removed") refreshVersions();
}

main();
