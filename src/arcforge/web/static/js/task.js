// The task page: demonstrations, the test input and the output editor (solve view), with the
// traces and variations panels beside it and live updates for this task.

import { ApiError, enc, get, post } from "./api.js";
import { $, fill, h, isTyping, toast } from "./dom.js";
import { Editor, newSession } from "./editor.js";
import { GridView, blankGrid, gridFigure, paletteBar, shapeText } from "./grid.js";
import { mountHeader } from "./header.js";
import { Live } from "./live.js";
import { TracesPanel } from "./traces.js";
import { VariationsPanel, describeSpec, versionHref } from "./variations.js";

const TOOL_INFO = {
  edit: ["✎", "Edit: click or drag to paint (E)"],
  select: ["⬚", "Select a rectangle on any grid (S)"],
  fill: ["◍", "Flood fill (F)"],
  picker: ["◉", "Pick a colour from any grid (K, or Alt+click)"],
};

const params = new URLSearchParams(location.search);
const state = {
  taskId: decodeURIComponent(location.pathname.replace(/\/+$/, "").split("/").pop()),
  source: params.get("source") || "",
  version: Number(params.get("v") || 0),
  task: null,
  user: null,
  mode: localStorage.getItem("arcforge.mode") === "study" ? "study" : "practice",
  numbers: localStorage.getItem("arcforge.numbers") === "1",
  testIndex: 0,
  sessions: new Map(),
  attemptsLeft: [],
  practiceLeft: [],
  solved: new Set(),
  views: [],
};

const editor = new Editor({
  onChange: () => { updateEditorChrome(); saveDraft(); },
  onStatus: (text) => { ui.status.textContent = text; },
  onTool: (tool) => ui.tools.forEach((b) => b.classList.toggle("active", b.dataset.tool === tool)),
  onColour: (c) => ui.palette.setActive(c),
});
const ui = {};
const traces = new TracesPanel({ onCount: (n) => { ui.tracesTab.dataset.count = String(n); }, onReveal: reveal });
const variations = new VariationsPanel({ onNavigate: (v, refresh) => openVersion(v, refresh) });
const live = new Live(onLive, (s) => { ui.liveDot.className = `live-dot ${s}`; ui.liveDot.title = s === "live" ? "live updates on" : "live updates reconnecting"; });

async function main() {
  const firstTask = fetchTask(state.version); // in parallel with the account request
  firstTask.catch(() => {});
  state.user = await mountHeader("tasks");
  buildLayout();
  document.addEventListener("keydown", onKey);
  window.addEventListener("popstate", () => {
    const p = new URLSearchParams(location.search);
    loadTask(Number(p.get("v") || 0), false);
  });
  await loadTask(state.version, false, firstTask);
  live.subscribe([state.taskId]);
}

// ---- layout ----------------------------------------------------------------------------

function buildLayout() {
  ui.taskbar = h("div.taskbar");
  ui.demos = h("div.demos");
  ui.testNav = h("div.test-nav");
  ui.testInput = h("div.test-input");
  ui.testAnswer = h("div.test-answer#test-answer");
  ui.status = h("div.status.mono", { "aria-live": "off" });
  ui.result = h("div.result#result", { role: "status", hidden: true });

  ui.tools = Object.entries(TOOL_INFO).map(([tool, [icon, title]]) => h("button.tool", {
    type: "button", title, "aria-label": title, dataset: { tool },
    onclick: () => editor.setTool(tool),
  }, h("span.icon", icon), tool));
  ui.palette = paletteBar((c) => editor.setColour(c));
  ui.undo = h("button#undo", { type: "button", title: "Undo (Ctrl+Z)", onclick: () => editor.undo() }, "↶ Undo");
  ui.redo = h("button#redo", { type: "button", title: "Redo (Ctrl+Y)", onclick: () => editor.redo() }, "↷ Redo");
  ui.rows = h("input#rows", { type: "number", min: 1, max: 30, "aria-label": "rows", onkeydown: resizeOnEnter });
  ui.cols = h("input#cols", { type: "number", min: 1, max: 30, "aria-label": "columns", onkeydown: resizeOnEnter });
  ui.numbers = h("input#numbers", { type: "checkbox", checked: state.numbers, onchange: () => setNumbers(ui.numbers.checked) });
  ui.submit = h("button.primary#submit", { type: "button", title: "Submit (Ctrl+Enter)", onclick: submit }, "Submit");
  ui.attempts = h("span.attempts#attempts-left");
  ui.modeButtons = ["practice", "study"].map((m) => h("button", {
    type: "button", dataset: { mode: m }, "aria-pressed": String(state.mode === m),
    title: m === "practice" ? "Practice: right or wrong, and whether the size is right; a limited number per test input"
      : "Study: 2 attempts per test input (practice attempts do not count); what you answer after practising is marked so",
    onclick: () => setMode(m),
  }, m));

  ui.output = new GridView([[0]], { maxWidth: 440, maxHeight: 440, maxCell: 48, name: "output", label: "output", numbers: state.numbers });
  editor.attachOutput(ui.output);
  state.views.push(ui.output);

  const toolbar = h("div.toolbar",
    h("div.tool-group", { role: "toolbar", "aria-label": "tools" }, ui.tools),
    ui.palette.el);
  const gridbar = h("div.gridbar",
    h("label.size", ui.rows, "×", ui.cols),
    h("button#resize", { type: "button", title: "Resize the output (keeps what fits)", onclick: resize }, "Resize"),
    h("button#copy-input", { type: "button", title: "Start from a copy of the test input", onclick: copyInput }, "Copy input"),
    h("button#reset", { type: "button", title: "Clear the output", onclick: reset }, "Reset"),
    h("span.spacer"), ui.undo, ui.redo);

  ui.tracesTab = h("button.tab#tab-traces", { type: "button", onclick: () => showTab("traces") }, "Traces");
  ui.variationsTab = h("button.tab#tab-variations", { type: "button", onclick: () => showTab("variations") }, "Variations");
  ui.liveDot = h("span.live-dot", { title: "connecting" });

  fill($("#app"),
    ui.taskbar,
    h("div.task-layout",
      h("section.panel.demos-panel", h("h2", "Demonstrations"), ui.demos),
      h("section.panel.solve-panel",
        h("div.panel-head", h("h2", "Test"), ui.testNav, h("span.spacer"),
          h("div.mode-switch", { role: "group", "aria-label": "mode" }, ui.modeButtons)),
        h("div.test-grids", ui.testInput, ui.testAnswer),
        h("div.editor",
          h("div.editor-head", h("h3", "Your output"), h("span.shape#output-shape"), h("span.spacer"),
            h("label.check", { title: "Show symbol numbers (N)" }, ui.numbers, "numbers")),
          toolbar,
          h("div.output-wrap", ui.output.el),
          ui.status,
          gridbar,
          h("div.submit-row", ui.submit, ui.attempts, h("span.spacer")),
          ui.result)),
      h("section.panel.side-panel",
        h("div.tabs", { role: "tablist" }, ui.tracesTab, ui.variationsTab, h("span.spacer"), ui.liveDot),
        h("div.tab-body", traces.el, variations.el))));
  editor.setTool("edit");
  editor.setColour(1);
  showTab(localStorage.getItem("arcforge.tab") === "variations" ? "variations" : "traces");
  setMode(state.mode);
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
  flushDraft();
  state.task = task;
  state.version = task.version;
  if (!state.source && task.source) state.source = task.source;
  if (push) history.pushState(null, "", versionHref(task, task.version));
  document.title = `${task.id}${task.version ? ` v${task.version}` : ""} · arcforge studio`;
  state.sessions = new Map();
  state.testIndex = 0;
  state.attemptsLeft = task.test.map(() => 2);
  state.practiceLeft = task.test.map(() => null);
  state.solved = new Set();
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
    for (const a of data.items) if (a.correct) state.solved.add(a.test_index);
    renderTestNav();
    updateEditorChrome();
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

/** Demonstration grids share the column: two per row, larger for large grids. */
function demoSize() {
  const pairs = state.task.train;
  const largest = Math.max(...pairs.flatMap((p) => [p.input.length, p.input[0].length, p.output.length, p.output[0].length]));
  const half = Math.floor(((ui.demos.clientWidth || 360) - 40) / 2);
  const box = Math.max(120, Math.min(largest > 20 ? 300 : 240, half));
  return { maxWidth: box, maxHeight: box, maxCell: 24 };
}

function renderDemos() {
  editor.detachSources();
  state.views = [ui.output];
  const size = demoSize();
  fill(ui.demos, state.task.train.map((pair, i) => {
    const a = gridFigure(pair.input, `${i + 1} input`, { ...size, name: `train-${i}-input`, label: `train ${i + 1} input`, numbers: state.numbers });
    const b = gridFigure(pair.output, "output", { ...size, name: `train-${i}-output`, label: `train ${i + 1} output`, numbers: state.numbers });
    for (const v of [a.view, b.view]) { editor.attachSource(v); state.views.push(v); }
    return h("div.pair", { dataset: { pair: String(i) } }, a.fig, h("span.arrow", "→"), b.fig);
  }));
}

function session(i) {
  if (!state.sessions.has(i)) {
    const input = state.task.test[i].input;
    const draft = readDraft(i);
    const s = newSession(blankGrid(input.length, input[0].length));
    if (draft) s.grid = draft;
    state.sessions.set(i, s);
  }
  return state.sessions.get(i);
}

function renderTestNav() {
  const n = state.task.test.length;
  const i = state.testIndex;
  fill(ui.testNav,
    n > 1 ? h("button#prev-test", { type: "button", disabled: i === 0, title: "Previous test input ([)", onclick: () => setTest(i - 1) }, "‹") : null,
    h("span#test-label", `input ${i + 1} of ${n}`),
    n > 1 ? h("button#next-test", { type: "button", disabled: i === n - 1, title: "Next test input (])", onclick: () => setTest(i + 1) }, "›") : null,
    state.solved.has(i) ? h("span.badge.ok", "✓ solved") : null);
}

function renderTest() {
  const i = state.testIndex;
  const input = state.task.test[i].input;
  renderTestNav();
  const { fig, view } = gridFigure(input, "input", { maxWidth: 440, maxHeight: 300, maxCell: 30, name: "test-input", label: "test input", numbers: state.numbers });
  state.views = state.views.filter((v) => v.options.name !== "test-input");
  editor.attachSource(view);
  state.views.push(view);
  fill(ui.testInput, fig);
  renderAnswer();
  ui.result.hidden = true;
  editor.setSession(session(i));
}

/** The test output, once the server sends it (solved in study mode, study attempts used up,
 * or revealed). */
function renderAnswer() {
  const output = state.task.test[state.testIndex].output;
  state.views = state.views.filter((v) => v.options.name !== "test-answer");
  if (!output) {
    fill(ui.testAnswer);
    return;
  }
  const { fig, view } = gridFigure(output, "answer", { maxWidth: 220, maxHeight: 300, maxCell: 30, name: "test-answer", label: "answer", numbers: state.numbers });
  state.views.push(view);
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
  } catch {
    return;
  }
  traces.load();
  loadAttempts();
}

function setTest(i) {
  if (i < 0 || i >= state.task.test.length || i === state.testIndex) return;
  flushDraft();
  state.testIndex = i;
  renderTest();
}

function updateEditorChrome() {
  if (!editor.session) return;
  const g = editor.grid;
  $("#output-shape").textContent = shapeText(g);
  if (document.activeElement !== ui.rows) ui.rows.value = g.length;
  if (document.activeElement !== ui.cols) ui.cols.value = g[0].length;
  ui.undo.disabled = !editor.session.undo.length;
  ui.redo.disabled = !editor.session.redo.length;
  const left = state.attemptsLeft[state.testIndex] ?? 2;
  const removed = state.task?.versions?.find((v) => v.version === state.task.version)?.removed;
  if (removed) {
    ui.submit.disabled = true;
    ui.attempts.textContent = "this version was removed: solve another one";
  } else if (!state.user) {
    ui.submit.disabled = true;
    fill(ui.attempts, h("a", { href: `/login?next=${enc(location.pathname + location.search)}` }, "Log in"), " to submit");
  } else if (state.mode === "study") {
    ui.submit.disabled = left <= 0;
    ui.attempts.textContent = `${left} attempt${left === 1 ? "" : "s"} left`;
  } else {
    const practice = state.practiceLeft[state.testIndex];
    ui.submit.disabled = practice === 0;
    ui.attempts.textContent = practice === null || practice === undefined ? "practice: right or wrong, and the size"
      : `practice: ${practice} attempt${practice === 1 ? "" : "s"} left`;
  }
}

function setMode(mode) {
  state.mode = mode;
  localStorage.setItem("arcforge.mode", mode);
  ui.modeButtons.forEach((b) => {
    b.classList.toggle("active", b.dataset.mode === mode);
    b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
  });
  ui.result.hidden = true;
  updateEditorChrome();
}

function setNumbers(on) {
  state.numbers = on;
  ui.numbers.checked = on;
  localStorage.setItem("arcforge.numbers", on ? "1" : "0");
  for (const v of state.views) v.setNumbers(on);
}

// ---- editing commands ------------------------------------------------------------------

function resizeOnEnter(e) {
  if (e.key === "Enter") { e.preventDefault(); resize(); }
}

function resize() {
  const rows = Number(ui.rows.value), cols = Number(ui.cols.value);
  if (!(rows >= 1 && rows <= 30 && cols >= 1 && cols <= 30)) {
    toast("Rows and columns must be between 1 and 30", "error");
    return;
  }
  editor.resize(rows, cols);
}

function copyInput() {
  editor.replaceGrid("copy_input", state.task.test[state.testIndex].input);
}

function reset() {
  const input = state.task.test[state.testIndex].input;
  editor.replaceGrid("reset", blankGrid(input.length, input[0].length));
}

// ---- submit ----------------------------------------------------------------------------

async function submit() {
  if (ui.submit.disabled) return;
  const i = state.testIndex;
  const s = editor.session;
  ui.submit.disabled = true;
  let r;
  try {
    r = await post(`/api/tasks/${enc(state.taskId)}/attempts`, {
      version: state.version, test_index: i, grid: s.grid, mode: state.mode, actions: s.actions,
      duration_ms: Math.round(performance.now() - s.t0),
    });
  } catch (err) {
    showResult("error", err.status === 401 ? "Log in to submit." : err.message);
    if (err.status === 409 && state.mode === "study") state.attemptsLeft[i] = 0;
    if (err.status === 429 && state.mode === "practice" && !err.message.includes("try again")) state.practiceLeft[i] = 0;
    updateEditorChrome();
    return;
  }
  if (r.attempts_left !== null && r.attempts_left !== undefined) state.attemptsLeft[i] = r.attempts_left;
  if (r.practice_left !== null && r.practice_left !== undefined) state.practiceLeft[i] = r.practice_left;
  if (r.correct) {
    state.solved.add(i);
    renderTestNav();
    const more = state.task.test.findIndex((_, j) => !state.solved.has(j));
    showResult("ok", "✓ Correct!", more >= 0 ? h("button.link", { type: "button", onclick: () => setTest(more) }, ` Go to test input ${more + 1} ›`)
      : state.task.next ? h("a", { href: `/task/${enc(state.task.next)}${state.source ? `?source=${enc(state.source)}` : ""}` }, " Next task ›") : null);
  } else if (state.mode === "practice") {
    showResult("bad", "✗ Not yet. ", r.same_shape ? "The size is right." : "The size is wrong.");
  } else {
    const left = state.attemptsLeft[i];
    showResult("bad", "✗ Not correct.", left !== undefined ? ` ${left} attempt${left === 1 ? "" : "s"} left.` : "");
  }
  updateEditorChrome();
  if (state.mode === "practice") loadAttempts(); // keep the attempt list current
  else if (r.attempts_left === 0) refreshAnswers(); // its answer is unlocked now
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
  toast("Answers revealed", "ok");
  await refreshAnswers();
}

function showResult(kind, ...content) {
  ui.result.className = `result ${kind}`;
  fill(ui.result, content);
  ui.result.hidden = false;
}

// ---- drafts: unsent work survives a reload ---------------------------------------------

const draftKey = (i) => `arcforge.draft:${state.taskId}:${state.version}:${i}`;
let draftTimer = null;
let pendingDraft = null;

function saveDraft() {
  clearTimeout(draftTimer);
  pendingDraft = [draftKey(state.testIndex), editor.grid];
  draftTimer = setTimeout(flushDraft, 300);
}

function flushDraft() {
  clearTimeout(draftTimer);
  if (!pendingDraft) return;
  const [key, grid] = pendingDraft;
  pendingDraft = null;
  try { sessionStorage.setItem(key, JSON.stringify(grid)); } catch { /* storage full */ }
}

window.addEventListener("pagehide", flushDraft);

function readDraft(i) {
  try {
    const g = JSON.parse(sessionStorage.getItem(draftKey(i)) || "null");
    return Array.isArray(g) && g.length && Array.isArray(g[0]) ? g : null;
  } catch {
    return null;
  }
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
  const textSelected = (e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "c" && String(document.getSelection() || "");
  if (!textSelected && editor.handleKey(e)) { e.preventDefault(); return; }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === "n" || e.key === "N") setNumbers(!state.numbers);
  else if (e.key === "[") setTest(state.testIndex - 1);
  else if (e.key === "]") setTest(state.testIndex + 1);
}

function onLive(msg) {
  if (msg.task_id !== state.taskId) return;
  if (msg.type.startsWith("trace_")) traces.onLive(msg);
  else if (msg.type === "variation_signed" || msg.type === "variation_removed") refreshVersions();
}

main();
