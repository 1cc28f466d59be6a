// The output editor: tools (edit, select, fill, picker), clipboard, undo/redo and the action
// log. It owns one editable GridView (the output) and reads from any number of source views
// (the test input and the demonstrations) for selection, copy and colour picking.
//
// The action log of a session holds one attempt: every entry has `tool` (what happened) and
// `t_ms` (milliseconds since the log started, in order), plus `cells`, `colour` and details.
// A log starts with `view` (since: "open", "reload" or "submit") and the grid it starts from;
// the server appends the submission with its result, and the next attempt starts a new log.

import { blankGrid, cloneGrid } from "./grid.js";

export const TOOLS = ["edit", "select", "fill", "picker"];
const HISTORY_LIMIT = 500;
const MAX_LOG = 19_000; // the server takes 20,000 entries an attempt

/** The editing state of one test input: its grid, history and the current attempt's log. */
export function newSession(grid, since = "open", log = null, t0 = null) {
  const s = { grid: cloneGrid(grid), undo: [], redo: [], actions: log || [], t0: t0 ?? Date.now() };
  if (!log) startLog(s, since);
  return s;
}

/** Start the log of the session's next attempt from its current grid. */
export function startLog(session, since) {
  session.t0 = Date.now();
  session.actions = [{ tool: "view", cells: [], colour: null, t_ms: 0, since, grid: cloneGrid(session.grid) }];
}

/** Add an entry to a session's log (ignored past the server's limit). */
export function logEntry(session, tool, extra = {}) {
  if (!session || session.actions.length >= MAX_LOG) return null;
  const entry = { tool, cells: [], colour: null, t_ms: Math.max(0, Date.now() - session.t0), ...extra };
  session.actions.push(entry);
  return entry;
}

function diffCells(a, b) {
  if (a.length !== b.length || a[0].length !== b[0].length) return null;
  const cells = [];
  for (let r = 0; r < a.length; r++) {
    for (let c = 0; c < a[r].length; c++) if (a[r][c] !== b[r][c]) cells.push([r, c]);
  }
  return cells;
}

/** Cells on the straight line from a to b (inclusive), so fast drags leave no gaps. */
function lineCells([r0, c0], [r1, c1]) {
  const cells = [];
  const dr = Math.abs(r1 - r0), dc = Math.abs(c1 - c0);
  const sr = r0 < r1 ? 1 : -1, sc = c0 < c1 ? 1 : -1;
  let err = dc - dr;
  let r = r0, c = c0;
  for (;;) {
    cells.push([r, c]);
    if (r === r1 && c === c1) return cells;
    const e2 = 2 * err;
    if (e2 > -dr) { err -= dr; c += sc; }
    if (e2 < dc) { err += dc; r += sr; }
  }
}

export function floodCells(grid, r, c) {
  const target = grid[r][c];
  const rows = grid.length, cols = grid[0].length;
  const seen = new Uint8Array(rows * cols);
  const stack = [[r, c]];
  const cells = [];
  seen[r * cols + c] = 1;
  while (stack.length) {
    const [y, x] = stack.pop();
    cells.push([y, x]);
    for (const [ny, nx] of [[y - 1, x], [y + 1, x], [y, x - 1], [y, x + 1]]) {
      if (ny < 0 || nx < 0 || ny >= rows || nx >= cols) continue;
      const k = ny * cols + nx;
      if (seen[k] || grid[ny][nx] !== target) continue;
      seen[k] = 1;
      stack.push([ny, nx]);
    }
  }
  return cells;
}

const norm = (s) => ({
  r0: Math.min(s.r0, s.r1), r1: Math.max(s.r0, s.r1),
  c0: Math.min(s.c0, s.c1), c1: Math.max(s.c0, s.c1),
});

export class Editor {
  constructor({ onChange = () => {}, onStatus = () => {}, onTool = () => {}, onColour = () => {} } = {}) {
    this.onChange = onChange;
    this.onStatus = onStatus;
    this.onTool = onTool;
    this.onColour = onColour;
    this.tool = "edit";
    this.colour = 1;
    this.output = null;
    this.sources = new Set();
    this.session = null;
    this.selection = null; // {view, r0, c0, r1, c1}
    this.clipboard = null;
    this.hover = null;
    this.cursor = null; // keyboard cell cursor on the output
    this.stroke = null;
  }

  // ---- wiring ---------------------------------------------------------------------------

  attachOutput(view) {
    this.output = view;
    view.el.classList.add("editable");
    const c = view.canvas;
    c.addEventListener("pointerdown", (e) => this.pointerDown(view, e));
    c.addEventListener("pointermove", (e) => this.pointerMove(view, e));
    c.addEventListener("pointerup", (e) => this.pointerUp(view, e));
    c.addEventListener("pointercancel", (e) => this.pointerUp(view, e));
    c.addEventListener("pointerleave", () => {
      this.hover = null;
      view.showHover(null);
      this.onStatus("");
    });
    c.addEventListener("contextmenu", (e) => e.preventDefault());
  }

  /** A read-only grid the user can select from (for copy) and pick colours from. */
  attachSource(view) {
    this.sources.add(view);
    view.el.classList.add("source");
    const c = view.canvas;
    c.addEventListener("pointerdown", (e) => this.pointerDown(view, e));
    c.addEventListener("pointermove", (e) => this.pointerMove(view, e));
    c.addEventListener("pointerup", (e) => this.pointerUp(view, e));
    c.addEventListener("pointerleave", () => view.showHover(null));
  }

  detachSources() {
    for (const v of this.sources) if (this.selection?.view === v) this.clearSelection();
    this.sources.clear();
  }

  setSession(session) {
    this.session = session;
    this.cursor = null;
    this.clearSelection();
    this.output.setGrid(session.grid);
    this.onChange();
  }

  get grid() { return this.session.grid; }

  // ---- tools and colours ----------------------------------------------------------------

  setTool(tool) {
    if (!TOOLS.includes(tool)) return;
    if (tool === "picker" && this.tool !== "picker") this.toolBeforePicker = this.tool;
    if (tool !== this.tool) this.log("choose_tool", [], null, { name: tool });
    this.tool = tool;
    if (tool !== "select") this.clearSelection();
    this.onTool(tool);
  }

  /** Choose a colour; in the select tool, a selection on the output is filled with it. */
  setColour(colour, extra = {}) {
    if (colour !== this.colour || extra.via) this.log("choose_colour", [], colour, extra);
    this.colour = colour;
    this.onColour(colour);
    if (this.tool === "select" && this.selection?.view === this.output && !extra.via) this.fillSelection(colour);
  }

  fillSelection(colour) {
    const s = norm(this.selection);
    const cells = [];
    for (let r = s.r0; r <= s.r1; r++) for (let c = s.c0; c <= s.c1; c++) cells.push([r, c]);
    this.applyCells("fill_selection", cells, colour);
  }

  // ---- changes --------------------------------------------------------------------------

  log(tool, cells, colour, extra = {}) {
    return logEntry(this.session, tool, { cells, colour, ...extra });
  }

  /** Where a view is, as the log names it: output, test-input, train-0-input, ... */
  static where(view) {
    return view.options.name || "grid";
  }

  pushUndo(snapshot) {
    const s = this.session;
    s.undo.push(snapshot);
    if (s.undo.length > HISTORY_LIMIT) s.undo.shift();
    s.redo.length = 0;
  }

  /** Paint `cells` with `colour` as one undoable, logged action. */
  applyCells(tool, cells, colour) {
    const g = this.session.grid;
    const changed = cells.filter(([r, c]) => g[r][c] !== colour);
    if (!changed.length) return false;
    this.pushUndo(cloneGrid(g));
    for (const [r, c] of changed) g[r][c] = colour;
    this.output.setCells(changed.map(([r, c]) => [r, c, colour]));
    this.log(tool, changed, colour);
    this.onChange();
    return true;
  }

  /** Replace the whole grid as one undoable, logged action (resize, copy input, reset). */
  replaceGrid(tool, grid, extra = {}) {
    const before = this.session.grid;
    const cells = diffCells(before, grid);
    if (cells && !cells.length) return false;
    this.pushUndo(cloneGrid(before));
    this.session.grid = cloneGrid(grid);
    this.clearSelection();
    if (!cells) this.forgetCells();
    this.output.update(this.session.grid);
    this.log(tool, cells ?? [], null, { rows: grid.length, cols: grid[0].length, ...extra });
    this.onChange();
    return true;
  }

  undo() { this.travel("undo", "redo"); }
  redo() { this.travel("redo", "undo"); }

  travel(from, to) {
    const s = this.session;
    if (!s[from].length) return;
    const target = s[from].pop();
    s[to].push(cloneGrid(s.grid));
    const cells = diffCells(s.grid, target);
    s.grid = target;
    if (cells === null) {
      this.clearSelection();
      this.forgetCells();
    }
    this.output.update(target);
    this.log(from, cells ?? [], null, { rows: target.length, cols: target[0].length });
    this.onChange();
  }

  resize(rows, cols) {
    rows = Math.max(1, Math.min(30, rows | 0));
    cols = Math.max(1, Math.min(30, cols | 0));
    const g = this.session.grid;
    const next = blankGrid(rows, cols);
    for (let r = 0; r < Math.min(rows, g.length); r++) {
      for (let c = 0; c < Math.min(cols, g[0].length); c++) next[r][c] = g[r][c];
    }
    return this.replaceGrid("resize", next);
  }

  // ---- clipboard ------------------------------------------------------------------------

  copy() {
    if (!this.selection) return false;
    const s = norm(this.selection);
    const g = this.selection.view.grid;
    this.clipboard = [];
    for (let r = s.r0; r <= s.r1; r++) this.clipboard.push(g[r].slice(s.c0, s.c1 + 1));
    this.log("copy", [[s.r0, s.c0], [s.r1, s.c1]], null, { from: Editor.where(this.selection.view) });
    return true;
  }

  paste() {
    if (!this.clipboard) return false;
    let at = [0, 0];
    if (this.selection?.view === this.output) at = [norm(this.selection).r0, norm(this.selection).c0];
    else if (this.hover) at = this.hover;
    const g = this.session.grid;
    const changes = [];
    const cells = [];
    this.clipboard.forEach((row, i) => row.forEach((v, j) => {
      const r = at[0] + i, c = at[1] + j;
      if (r >= g.length || c >= g[0].length) return;
      cells.push([r, c]);
      if (g[r][c] !== v) changes.push([r, c, v]);
    }));
    if (!cells.length) return false;
    if (changes.length) {
      this.pushUndo(cloneGrid(g));
      for (const [r, c, v] of changes) g[r][c] = v;
      this.output.setCells(changes);
      this.log("paste", changes.map(([r, c]) => [r, c]), null, { at });
    }
    const last = cells[cells.length - 1];
    this.select(this.output, { r0: at[0], c0: at[1], r1: last[0], c1: last[1] });
    this.onChange();
    return true;
  }

  /** The grid changed shape: the cursor and the hovered cell may be outside it now. */
  forgetCells() {
    this.cursor = null;
    this.hover = null;
    this.output.showHover(null);
  }

  select(view, sel) {
    if (this.selection && this.selection.view !== view) this.selection.view.setSelection(null);
    this.selection = sel ? { view, ...sel } : null;
    view.setSelection(sel);
  }

  /** Log the selection as it now stands (at the end of a drag or a keyboard step). */
  logSelection() {
    if (!this.selection) return;
    const s = norm(this.selection);
    this.log("select", [[s.r0, s.c0], [s.r1, s.c1]], null, { grid: Editor.where(this.selection.view) });
  }

  clearSelection(logged = false) {
    if (this.selection) {
      this.selection.view.setSelection(null);
      if (logged) this.log("deselect", [], null);
    }
    this.selection = null;
  }

  // ---- pointer --------------------------------------------------------------------------

  pointerDown(view, e) {
    const cell = view.cellAt(e);
    if (!cell) return;
    e.preventDefault();
    const isOutput = view === this.output;
    const tool = e.altKey ? "picker" : this.tool;
    if (tool === "picker") {
      this.setColour(view.grid[cell[0]][cell[1]], { via: "picker", from: Editor.where(view), at: cell });
      if (this.tool === "picker") this.setTool(this.toolBeforePicker || "edit");
      return;
    }
    if (tool === "select") {
      view.canvas.setPointerCapture?.(e.pointerId);
      this.stroke = { kind: "select", view };
      this.select(view, { r0: cell[0], c0: cell[1], r1: cell[0], c1: cell[1] });
      return;
    }
    if (!isOutput) return;
    if (tool === "fill") {
      const colour = e.button === 2 ? 0 : this.colour;
      this.applyCells("fill", floodCells(this.session.grid, cell[0], cell[1]), colour);
      return;
    }
    // edit: paint, dragging paints every cell passed over; right button paints 0. The log
    // entry takes its place when the stroke starts and gets its cells as they change.
    view.canvas.setPointerCapture?.(e.pointerId);
    const colour = e.button === 2 ? 0 : this.colour;
    const entry = this.log("edit", [], colour);
    this.stroke = { kind: "paint", view, colour, snapshot: cloneGrid(this.session.grid), cells: entry ? entry.cells : [],
      entry, last: cell };
    this.paint([cell]);
  }

  paint(cells) {
    const g = this.session.grid;
    const { colour } = this.stroke;
    const changes = [];
    for (const [r, c] of cells) {
      if (g[r][c] === colour) continue;
      g[r][c] = colour;
      changes.push([r, c, colour]);
      this.stroke.cells.push([r, c]);
    }
    if (changes.length) this.output.setCells(changes);
  }

  pointerMove(view, e) {
    const cell = view.cellAt(e, Boolean(this.stroke));
    if (view === this.output || this.sources.has(view)) {
      const inside = view.cellAt(e);
      view.showHover(inside);
      if (view === this.output) {
        this.hover = inside;
        if (inside) this.cursor = inside;
      }
      if (inside) {
        const v = view.grid[inside[0]][inside[1]];
        this.onStatus(`${view.options.label || ""} row ${inside[0]}, col ${inside[1]} · colour ${v}`);
      }
    }
    const s = this.stroke;
    if (!s || s.view !== view || !cell) return;
    if (s.kind === "select") {
      this.select(view, { ...norm0(this.selection), r1: cell[0], c1: cell[1] });
    } else if (s.kind === "paint") {
      if (cell[0] === s.last[0] && cell[1] === s.last[1]) return;
      this.paint(lineCells(s.last, cell));
      s.last = cell;
    }
  }

  pointerUp(view, e) {
    const s = this.stroke;
    if (!s || s.view !== view) return;
    this.stroke = null;
    view.canvas.releasePointerCapture?.(e.pointerId);
    if (s.kind === "select") this.logSelection();
    if (s.kind !== "paint") return;
    if (s.entry) {
      s.entry.ms = Math.max(0, Date.now() - this.session.t0 - s.entry.t_ms); // how long the stroke took
      if (!s.cells.length) this.session.actions.splice(this.session.actions.lastIndexOf(s.entry), 1);
    }
    if (s.cells.length) {
      this.pushUndo(s.snapshot);
      this.onChange();
    }
  }

  // ---- keyboard -------------------------------------------------------------------------

  /** Handle an editor shortcut; returns true when the key was used. */
  handleKey(e) {
    const k = e.key.toLowerCase();
    const mod = e.ctrlKey || e.metaKey;
    if (mod && k === "z" && !e.shiftKey) { this.undo(); return true; }
    if (mod && (k === "y" || (k === "z" && e.shiftKey))) { this.redo(); return true; }
    if (mod && k === "c") { this.copy(); return Boolean(this.selection); }
    if (mod && k === "v") { return this.paste(); }
    if (mod || e.altKey) return false;
    if (k.startsWith("arrow")) { this.moveCursor(k.slice(5), e.shiftKey); return true; }
    if (e.key === " " && this.cursor) { this.cursorAction(); return true; }
    if (/^[0-9]$/.test(e.key)) { this.setColour(Number(e.key)); return true; }
    const tools = { e: "edit", s: "select", f: "fill", k: "picker" };
    if (tools[k]) { this.setTool(tools[k]); return true; }
    if (k === "escape" && this.selection) { this.clearSelection(true); return true; }
    if ((k === "delete" || k === "backspace") && this.selection?.view === this.output) {
      this.fillSelection(0);
      return true;
    }
    return false;
  }
}

Editor.prototype.moveCursor = function moveCursor(direction, extend) {
  const g = this.session.grid;
  const [dr, dc] = { up: [-1, 0], down: [1, 0], left: [0, -1], right: [0, 1] }[direction] ?? [0, 0];
  const from = this.cursor;
  const to = from
    ? [Math.min(g.length - 1, Math.max(0, from[0] + dr)), Math.min(g[0].length - 1, Math.max(0, from[1] + dc))]
    : [0, 0];
  this.cursor = to;
  this.hover = to;
  this.output.showHover(to);
  this.onStatus(`output row ${to[0]}, col ${to[1]} · colour ${g[to[0]][to[1]]}`);
  if (this.tool === "select") {
    const anchor = extend && this.selection?.view === this.output ? norm0(this.selection) : { r0: to[0], c0: to[1] };
    this.select(this.output, { ...anchor, r1: to[0], c1: to[1] });
    this.logSelection();
  }
};

/** Space at the keyboard cursor: paint (edit), flood fill (fill) or pick (picker). */
Editor.prototype.cursorAction = function cursorAction() {
  const [r, c] = this.cursor;
  if (this.tool === "edit") this.applyCells("edit", [[r, c]], this.colour);
  else if (this.tool === "fill") this.applyCells("fill", floodCells(this.session.grid, r, c), this.colour);
  else if (this.tool === "picker") {
    this.setColour(this.session.grid[r][c], { via: "picker", from: "output", at: [r, c] });
    this.setTool(this.toolBeforePicker || "edit");
  }
};

function norm0(sel) {
  return { r0: sel.r0, c0: sel.c0 };
}
