// Check by use (as LARC does): someone new to a task is shown only a description someone wrote
// and the test input, never the demonstrations, and builds the output from the words alone.
// The server records whether the description was enough. `/check` offers one; `/check/<id>`
// is a check in progress (or over: then with the answer).

import { ApiError, enc, get, me, post } from "./api.js";
import { $, fill, h, isTyping, toast } from "./dom.js";
import { logEntry, newSession, startLog } from "./editor.js";
import { blankGrid, gridFigure } from "./grid.js";
import { mountHeader } from "./header.js";
import { setTrustedHtml } from "./safehtml.js";
import { Workbench } from "./workbench.js";

const checkId = location.pathname.split("/")[2] || null;
const bench = new Workbench({ onChange: () => {} });
const ui = {};
let check = null;

async function main() {
  const user = await mountHeader("check");
  const app = $("#app");
  if (!user) {
    fill(app, h("div.card.problem", h("h1", "Check a description"),
      h("p", "People describe how to build a task's output; you check a description by building the output from it alone. ",
        h("a", { href: `/login?next=${enc(location.pathname)}` }, "Log in"), " to check one.")));
    document.body.dataset.ready = "true";
    return;
  }
  if (checkId) await openCheck(checkId);
  else await offer();
  document.body.dataset.ready = "true";
}

/** The next description this person may check, and what checking it means. */
async function offer() {
  const { protocol } = await me();
  let next;
  try {
    next = await get("/api/checks/next");
  } catch (err) {
    fill($("#app"), h("p.error", `Cannot find a description to check: ${err.message}`));
    return;
  }
  if (next.description_id === null) {
    fill($("#app"), h("div.card.problem#nothing-to-check", h("h1", "Nothing to check right now"),
      h("p", "Every description is yours or is about a task you have worked on (a check needs someone new to the task). Solve tasks and describe them, or come back later."),
      h("p", h("a", { href: "/" }, "Back to the tasks"))));
    return;
  }
  const start = async () => {
    try {
      const started = await post(`/api/descriptions/${next.description_id}/check`);
      location.href = `/check/${started.id}`;
    } catch (err) {
      toast(`Cannot start the check: ${err.message}`, "error");
    }
  };
  const n = protocol?.study_attempts ?? 2;
  fill($("#app"), h("div.card.problem#check-offer",
    h("h1", "Check a description"),
    h("p", "Someone solved a task and described how to build its output. You will see only their description and the test input, not the demonstrations. Build the output from the words alone: ",
      `you have ${n} attempt${n === 1 ? "" : "s"}.`),
    h("p.dim", `It is about test input ${next.test_index + 1} of a task you have not worked on; which task, you learn when the check is over. Starting is recorded and ends your own study attempts on that task (you will have read how to solve it); its answer is shown to you when the check is over.`),
    h("div.row", h("button.primary#start-check", { type: "button", onclick: start }, "Start the check"),
      h("a", { href: "/" }, "Not now"))));
}

async function openCheck(id) {
  try {
    check = await get(`/api/checks/${enc(id)}`);
  } catch (err) {
    const missing = err instanceof ApiError && (err.status === 404 || err.status === 422);
    fill($("#app"), h("div.card.problem#load-error", h("h1", missing ? "No such check" : "Cannot open the check"),
      h("p.error", err.message), h("p", h("a", { href: "/check" }, "Check a description"))));
    return;
  }
  const text = h("div.markdown.description-text#description");
  setTrustedHtml(text, check.description.html);
  const input = gridFigure(check.test_input, `test input ${check.test_index + 1}`, { maxWidth: 320, maxHeight: 320, maxCell: 32, name: "test-input", label: "test input" });
  bench.track(input.view);
  bench.setInput(check.test_input);
  const s = newSession(blankGrid(check.test_input.length, check.test_input[0].length), "open");
  bench.setSession(s);
  ui.submit = h("button.primary#submit", { type: "button", title: "Submit (Ctrl+Enter)", onclick: build }, "Submit");
  ui.left = h("span.attempts#attempts-left");
  ui.result = h("div.result#result", { role: "status", hidden: true });
  ui.answer = h("div.test-answer#test-answer");
  ui.work = h("div.work", input.fig,
    h("figure.grid-figure.output-figure", h("div.output-wrap", bench.output.el),
      h("figcaption", h("span", "your output"), " ", bench.shape)),
    ui.answer);
  fill($("#app"),
    h("div.check-layout",
      h("section.panel#check-description", h("h2", "The description"), text,
        ui.about = h("p.dim.small#check-about")),
      h("section.panel.solve-panel",
        h("div.panel-head", h("h2", "Build the output")),
        bench.toolbar,
        ui.work,
        h("div.bench-foot", bench.status, h("span.spacer"), bench.toggles),
        bench.gridbar,
        h("div.submit-row", ui.submit, ui.left, ui.result))));
  document.addEventListener("keydown", onKey);
  showState();
  bench.follow(null, ui.work);
}

function showState() {
  const over = Boolean(check.outcome);
  fill(ui.about, over
    ? ["The task: ", h("a#check-task", { href: `/task/${enc(check.task_id)}${check.version ? `?v=${check.version}` : ""}` }, `${check.task_id}${check.version ? ` v${check.version}` : ""}`)]
    : "You see no demonstrations: only these words and the test input.");
  ui.submit.disabled = over;
  ui.left.textContent = over ? "the check is over" : `${check.attempts_left} attempt${check.attempts_left === 1 ? "" : "s"} left`;
  if (over) {
    showResult(check.outcome === "success" ? "ok" : "bad",
      check.outcome === "success" ? "✓ The description was enough: your output is right." : "✗ Not built from the description: the attempts are used up.",
      h("a#check-another", { href: "/check" }, " Check another ›"));
  }
  if (check.output && !bench.view("test-answer")) {
    const answer = gridFigure(check.output, "answer", { maxWidth: 220, maxHeight: 220, maxCell: 32, name: "test-answer", label: "answer" });
    bench.track(answer.view, false);
    fill(ui.answer, answer.fig);
    bench.layout(null, ui.work);
  }
}

async function build() {
  if (ui.submit.disabled) return;
  const s = bench.session;
  ui.submit.disabled = true;
  let r;
  try {
    r = await post(`/api/checks/${check.id}/attempts`, {
      grid: s.grid, actions: s.actions, duration_ms: Math.max(0, Date.now() - s.t0),
    });
  } catch (err) {
    logEntry(s, "refused", { mode: "check", status: err.status ?? 0 });
    showResult("error", err.message);
    ui.submit.disabled = false;
    return;
  }
  startLog(s, "submit");
  if (r.outcome) {
    check = await get(`/api/checks/${check.id}`);
  } else {
    check.attempts_left = r.attempts_left;
    showResult("bad", "✗ Not correct.", ` ${r.attempts_left} attempt${r.attempts_left === 1 ? "" : "s"} left.`);
    ui.submit.disabled = false;
  }
  showState();
}

function showResult(kind, ...content) {
  ui.result.className = `result ${kind}`;
  fill(ui.result, content);
  ui.result.hidden = false;
}

function onKey(e) {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !isTyping(e)) { e.preventDefault(); build(); return; }
  if (isTyping(e) || document.querySelector("dialog[open]")) return;
  if (e.key.startsWith("Arrow") && e.target instanceof HTMLInputElement) return;
  if (bench.handleKey(e)) e.preventDefault();
}

main();
