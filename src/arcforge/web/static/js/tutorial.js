// The guided tutorial: one small made-up task (not an ARC task, so its answer may live in the
// page) walked through step by step with the real editor: look at the demonstrations, copy
// the input, choose a colour, paint, submit. The page checks the answer itself; nothing is
// sent to the server.

import { $, fill, h, isTyping } from "./dom.js";
import { newSession } from "./editor.js";
import { blankGrid, gridFigure, sameGrid } from "./grid.js";
import { mountHeader } from "./header.js";
import { Workbench } from "./workbench.js";

const bench = new Workbench({ onChange: () => advance() });
const ui = {};
let task = null;
let step = 0;

const STEPS = [
  ["look", "Each demonstration shows an input grid and its output. The same rule turns every input into its output: here, every blue cell turns red.", () => false],
  ["copy", "Now build the output of the test input. The output looks like the input, so start from a copy: press Copy input.", () => lastTool() === "copy_input"],
  ["colour", "Choose red: press the key 2, or click the red swatch.", () => bench.editor.colour === 2],
  ["paint", "Paint every blue cell red: click it, or drag across several. Ctrl+Z undoes a step.", () => sameGrid(bench.grid, task.test[0].output)],
  ["submit", "Submit your output: press Submit (or Ctrl+Enter).", () => false],
];

function lastTool() {
  const log = bench.session?.actions || [];
  return log.length ? log[log.length - 1].tool : null;
}

async function main() {
  await mountHeader("tutorial");
  task = await (await fetch("/static/tutorial.json")).json();
  const demos = task.train.map((pair, i) => {
    const a = gridFigure(pair.input, `${i + 1} input`, { maxWidth: 150, maxHeight: 150, maxCell: 28, name: `train-${i}-input`, label: `demonstration ${i + 1} input` });
    const b = gridFigure(pair.output, `${i + 1} output`, { maxWidth: 150, maxHeight: 150, maxCell: 28, name: `train-${i}-output`, label: `demonstration ${i + 1} output` });
    bench.track(a.view);
    bench.track(b.view);
    return h("div.pair", a.fig, h("span.arrow", "→"), b.fig);
  });
  const input = task.test[0].input;
  const test = gridFigure(input, "test input", { maxWidth: 220, maxHeight: 220, maxCell: 32, name: "test-input", label: "test input" });
  bench.track(test.view);
  bench.setInput(input);
  bench.setSession(newSession(blankGrid(input.length, input[0].length), "open"));
  ui.demos = h("div.demos", demos);
  ui.work = h("div.work", test.fig, h("figure.grid-figure.output-figure", h("div.output-wrap", bench.output.el),
    h("figcaption", h("span", "your output"), " ", bench.shape)));
  ui.steps = h("ol.steps#tutorial-steps");
  ui.next = h("button.primary#tutorial-next", { type: "button", onclick: () => { step = 1; render(); } }, "Next");
  ui.submit = h("button.primary#submit", { type: "button", onclick: submit }, "Submit");
  ui.result = h("div.result#result", { role: "status", hidden: true });
  fill($("#app"),
    h("div.tutorial-layout",
      h("section.panel#tutorial-guide",
        h("h1", "Tutorial: your first ARC task"),
        h("p.dim", "ARC tasks are puzzles of coloured grids. Five steps with the editor you will use on every task."),
        ui.steps, h("div.row.tutorial-next", ui.next),
        h("h2", "Demonstrations"), ui.demos),
      h("section.panel.solve-panel",
        h("div.panel-head", h("h2", "Test")),
        bench.toolbar,
        ui.work,
        h("div.bench-foot", bench.status, h("span.spacer"), bench.toggles),
        bench.gridbar,
        h("div.submit-row", ui.submit, ui.result))));
  document.addEventListener("keydown", onKey);
  document.addEventListener("keyup", () => advance());
  document.addEventListener("click", () => advance());
  render();
  bench.follow(ui.demos, ui.work);
  document.body.dataset.ready = "true";
}

function render() {
  fill(ui.steps, STEPS.map(([name, text], i) => h("li", {
    class: i < step ? "done" : i === step ? "current" : null, dataset: { step: name },
  }, text)));
  ui.next.hidden = step !== 0;
  document.body.dataset.step = STEPS[Math.min(step, STEPS.length - 1)][0];
}

/** Move on while the current step is done (several at once when the person ran ahead). */
function advance() {
  if (!task || step === 0) return;
  const before = step;
  while (step < STEPS.length - 1 && STEPS[step][2]()) step++;
  if (step !== before) render();
}

function submit() {
  if (sameGrid(bench.grid, task.test[0].output)) {
    step = STEPS.length;
    render();
    document.body.dataset.step = "done";
    ui.result.className = "result ok";
    fill(ui.result, h("span#tutorial-done", "✓ Correct! That is all there is to it. On real tasks the server checks your answer, and study mode gives you a few attempts per test input. "),
      h("a.button.primary#tutorial-start", { href: "/?start=1" }, "Start solving"));
  } else {
    ui.result.className = "result bad";
    fill(ui.result, "✗ Not yet: compare your output with the input, cell by cell. Every blue cell must be red, nothing else changes.");
  }
  ui.result.hidden = false;
}

function onKey(e) {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !isTyping(e)) { e.preventDefault(); submit(); return; }
  if (isTyping(e) || document.querySelector("dialog[open]")) return;
  if (e.key.startsWith("Arrow") && e.target instanceof HTMLInputElement) return;
  if (bench.handleKey(e)) e.preventDefault();
}

main();
