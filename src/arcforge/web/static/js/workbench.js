// The editing bench shared by the solve view, the check page and the tutorial: the tools and
// palette, the output grid, its size bar (resize, copy input, reset, undo, redo), the status
// line and the display aids (symbol numbers, colour-blind marks) over every grid it tracks.

import { h, toast } from "./dom.js";
import { Editor } from "./editor.js";
import { GridView, blankGrid, paletteBar, shapeText } from "./grid.js";

const TOOL_INFO = {
  edit: ["✎", "Edit: click or drag to paint (E)"],
  select: ["⬚", "Select a rectangle on any grid (S)"],
  fill: ["◍", "Flood fill (F)"],
  picker: ["◉", "Pick a colour from any grid (K, or Alt+click)"],
};

const stored = (key) => localStorage.getItem(key) === "1";

export class Workbench {
  constructor({ onChange = () => {} } = {}) {
    this.onChange = onChange;
    this.input = [[0]];
    this.views = new Set();
    this.numbers = stored("arcforge.numbers");
    this.patterns = stored("arcforge.patterns");
    this.status = h("div.status.mono", { "aria-live": "off" });
    this.editor = new Editor({
      onChange: () => { this.updateChrome(); this.onChange(); },
      onStatus: (text) => { this.status.textContent = text; },
      onTool: (tool) => this.tools.forEach((b) => b.classList.toggle("active", b.dataset.tool === tool)),
      onColour: (c) => this.palette.setActive(c),
    });
    this.tools = Object.entries(TOOL_INFO).map(([tool, [icon, title]]) => h("button.tool", {
      type: "button", title, "aria-label": title, dataset: { tool },
      onclick: () => this.editor.setTool(tool),
    }, h("span.icon", icon), tool));
    this.palette = paletteBar((c) => this.editor.setColour(c));
    this.undo = h("button#undo", { type: "button", title: "Undo (Ctrl+Z)", onclick: () => this.editor.undo() }, "↶ Undo");
    this.redo = h("button#redo", { type: "button", title: "Redo (Ctrl+Y)", onclick: () => this.editor.redo() }, "↷ Redo");
    const onEnter = (e) => { if (e.key === "Enter") { e.preventDefault(); this.resize(); } };
    this.rows = h("input#rows", { type: "number", min: 1, max: 30, "aria-label": "rows", onkeydown: onEnter });
    this.cols = h("input#cols", { type: "number", min: 1, max: 30, "aria-label": "columns", onkeydown: onEnter });
    this.shape = h("span.shape#output-shape");
    this.numbersBox = h("input#numbers", { type: "checkbox", checked: this.numbers, onchange: () => this.setNumbers(this.numbersBox.checked) });
    this.patternsBox = h("input#patterns", { type: "checkbox", checked: this.patterns, onchange: () => this.setPatterns(this.patternsBox.checked) });
    this.output = new GridView([[0]], { maxWidth: 440, maxHeight: 440, maxCell: 48, name: "output", label: "output", numbers: this.numbers, patterns: this.patterns });
    this.output.canvas.tabIndex = 0;
    this.output.canvas.title = "Your output: keys work here (arrows, Space, colours)";
    this.editor.attachOutput(this.output);
    this.views.add(this.output);
    this.toolbar = h("div.toolbar",
      h("div.tool-group", { role: "toolbar", "aria-label": "tools" }, this.tools),
      this.palette.el);
    this.gridbar = h("div.gridbar",
      h("label.size", this.rows, "×", this.cols),
      h("button#resize", { type: "button", title: "Resize the output (keeps what fits)", onclick: () => this.resize() }, "Resize"),
      h("button#copy-input", { type: "button", title: "Start from a copy of the test input", onclick: () => this.copyInput() }, "Copy input"),
      h("button#reset", { type: "button", title: "Clear the output", onclick: () => this.reset() }, "Reset"),
      h("span.spacer"), this.undo, this.redo);
    this.toggles = h("span.toggles",
      h("label.check", { title: "Show symbol numbers (N)" }, this.numbersBox, "numbers"),
      h("label.check", { title: "Colour-blind aid: a mark per colour (P)" }, this.patternsBox, "marks"));
    this.palette.setPatterns(this.patterns);
    this.editor.setTool("edit");
    this.editor.setColour(1);
  }

  get session() { return this.editor.session; }
  get grid() { return this.editor.grid; }

  /** The test input this output answers (copy input and reset start from it). */
  setInput(grid) { this.input = grid; }

  setSession(session) {
    this.editor.setSession(session);
    this.updateChrome();
  }

  /** A grid shown beside the editor: select and pick from it, and it follows the display aids. */
  track(view, source = true) {
    view.setNumbers(this.numbers);
    view.setPatterns(this.patterns);
    this.views.add(view);
    if (source) this.editor.attachSource(view);
    return view;
  }

  /** Forget the tracked grids named `names` (or every one but the output). */
  untrack(names = null) {
    for (const v of [...this.views]) {
      if (v === this.output || (names && !names.includes(v.options.name))) continue;
      this.views.delete(v);
      this.editor.sources.delete(v);
      if (this.editor.selection?.view === v) this.editor.clearSelection();
    }
  }

  /** Make the output grid as large as fits in width x height CSS pixels. */
  fitOutput(width, height) {
    this.output.fit(Math.max(60, width), Math.max(60, height), 40);
    this.editor.forgetCells();
  }

  view(name) {
    return [...this.views].find((v) => v.options.name === name) || null;
  }

  /** Size the grids to the page: demonstrations two to a row in `demos`; the test input, the
   * output and the answer (when shown) side by side in the row `work`, down to the bottom of
   * the window less `below` pixels, or stacked when the row is narrow (phones). */
  layout(demos, work, below = 150) {
    const half = Math.floor(((demos?.clientWidth || 360) - 36) / 2);
    for (const v of this.views) {
      if (v.options.name?.startsWith("train-")) v.fit(half, half, 32);
    }
    const room = work.clientWidth || 400;
    const stacked = room < 520;
    work.classList.toggle("stacked", stacked);
    const input = this.view("test-input"), answer = this.view("test-answer");
    if (stacked) {
      input?.fit(room, 220, 32);
      answer?.fit(room, 220, 32);
      this.fitOutput(room, Math.max(room, 200));
      return;
    }
    const top = work.getBoundingClientRect().top;
    const height = Math.max(140, Math.min(window.innerHeight - top - below, room)) - 24;
    const share = answer ? 0.3 : 0.4; // of the row for the test input (and for the answer)
    const inner = room - 24 * (answer ? 2 : 1);
    input?.fit(Math.floor(inner * share), height, 32);
    answer?.fit(Math.floor(inner * share), height, 32);
    this.fitOutput(Math.floor(inner * (1 - share * (answer ? 2 : 1))), height);
  }

  /** Keep the layout fitted while the window changes size. */
  follow(demos, work, below) {
    let timer = null;
    window.addEventListener("resize", () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.layout(demos, work, below), 100);
    });
    this.layout(demos, work, below);
  }

  focusGrid() { this.output.canvas.focus({ preventScroll: true }); }

  resize() {
    const rows = Number(this.rows.value), cols = Number(this.cols.value);
    if (!(rows >= 1 && rows <= 30 && cols >= 1 && cols <= 30)) {
      toast("Rows and columns must be between 1 and 30", "error");
      return;
    }
    this.editor.resize(rows, cols);
    this.focusGrid(); // keys go to the grid again, not to the size boxes
  }

  copyInput() { this.editor.replaceGrid("copy_input", this.input); }

  reset() { this.editor.replaceGrid("reset", blankGrid(this.input.length, this.input[0].length)); }

  setNumbers(on) {
    this.numbers = on;
    this.numbersBox.checked = on;
    localStorage.setItem("arcforge.numbers", on ? "1" : "0");
    for (const v of this.views) v.setNumbers(on);
    this.editor.log("numbers", [], null, { on });
  }

  setPatterns(on) {
    this.patterns = on;
    this.patternsBox.checked = on;
    localStorage.setItem("arcforge.patterns", on ? "1" : "0");
    for (const v of this.views) v.setPatterns(on);
    this.palette.setPatterns(on);
    this.editor.log("marks", [], null, { on });
  }

  /** An editor or display key; true when used. */
  handleKey(e) {
    const textSelected = (e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "c" && String(document.getSelection() || "");
    if (!textSelected && this.editor.handleKey(e)) return true;
    if (e.ctrlKey || e.metaKey || e.altKey) return false;
    if (e.key === "n" || e.key === "N") { this.setNumbers(!this.numbers); return true; }
    if (e.key === "p" || e.key === "P") { this.setPatterns(!this.patterns); return true; }
    return false;
  }

  updateChrome() {
    if (!this.editor.session) return;
    const g = this.editor.grid;
    this.shape.textContent = shapeText(g);
    if (document.activeElement !== this.rows) this.rows.value = g.length;
    if (document.activeElement !== this.cols) this.cols.value = g[0].length;
    this.undo.disabled = !this.editor.session.undo.length;
    this.redo.disabled = !this.editor.session.redo.length;
  }
}

/** The free height below `el` down to the bottom of the window, leaving `below` pixels. */
export function freeHeight(el, below) {
  const top = el.getBoundingClientRect().top + window.scrollY;
  return window.innerHeight - top - below;
}
