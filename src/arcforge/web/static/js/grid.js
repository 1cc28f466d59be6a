// Drawing ARC grids on a canvas, crisp at any device pixel ratio, redrawing only the cells
// that change. A GridView also maps pointer positions to cells and shows a selection.

import { h } from "./dom.js";

export const PALETTE = [
  "#000000", "#0074D9", "#FF4136", "#2ECC40", "#FFDC00",
  "#AAAAAA", "#F012BE", "#FF851B", "#7FDBFF", "#870C25",
];
export const COLOUR_NAMES = [
  "black", "blue", "red", "green", "yellow", "grey", "magenta", "orange", "sky", "maroon",
];
const LIGHT = new Set([3, 4, 5, 8]); // colours that take dark digits and marks
const LINE = "#3a3f4b";
/** The colour-blind aid: a mark per colour, so no two colours look alike without hue. */
export const PATTERN_NAMES = [
  "none", "dot", "slash", "plus", "bar", "pipe", "cross", "triangle", "ring", "square",
];

/** Draw colour `v`'s mark in the square (x, y, size) of a 2D context. */
export function drawPattern(ctx, v, x, y, size) {
  if (!v || size < 6) return;
  const m = size * 0.22; // margin
  const a = x + m, b = y + m, w = size - 2 * m;
  const cx = x + size / 2, cy = y + size / 2;
  ctx.save();
  ctx.strokeStyle = LIGHT.has(v) ? "rgba(0,0,0,0.75)" : "rgba(255,255,255,0.85)";
  ctx.fillStyle = ctx.strokeStyle;
  ctx.lineWidth = Math.max(1, size / 9);
  ctx.lineCap = "round";
  ctx.beginPath();
  switch (v) {
    case 1: ctx.arc(cx, cy, size / 8, 0, 2 * Math.PI); ctx.fill(); break;
    case 2: ctx.moveTo(a, b + w); ctx.lineTo(a + w, b); break;
    case 3: ctx.moveTo(cx, b); ctx.lineTo(cx, b + w); ctx.moveTo(a, cy); ctx.lineTo(a + w, cy); break;
    case 4: ctx.moveTo(a, cy); ctx.lineTo(a + w, cy); break;
    case 5: ctx.moveTo(cx, b); ctx.lineTo(cx, b + w); break;
    case 6: ctx.moveTo(a, b); ctx.lineTo(a + w, b + w); ctx.moveTo(a + w, b); ctx.lineTo(a, b + w); break;
    case 7: ctx.moveTo(cx, b); ctx.lineTo(a + w, b + w); ctx.lineTo(a, b + w); ctx.closePath(); break;
    case 8: ctx.arc(cx, cy, w / 2, 0, 2 * Math.PI); break;
    case 9: ctx.rect(a, b, w, w); break;
    default: break;
  }
  ctx.stroke();
  ctx.restore();
}

export const cloneGrid = (g) => g.map((row) => row.slice());
export const blankGrid = (rows, cols, colour = 0) =>
  Array.from({ length: rows }, () => new Array(cols).fill(colour));
export const sameGrid = (a, b) =>
  a.length === b.length && a.every((row, r) => row.length === b[r].length && row.every((v, c) => v === b[r][c]));
/** Cells where two grids of the same shape differ ([] when the shapes differ). */
export function differingCells(a, b) {
  if (!a || !b || a.length !== b.length || a[0].length !== b[0].length) return [];
  const cells = [];
  a.forEach((row, r) => row.forEach((v, c) => { if (v !== b[r][c]) cells.push([r, c]); }));
  return cells;
}
export const shapeText = (g) => `${g.length}×${g[0]?.length ?? 0}`;

/** Cell size in CSS pixels so that a rows x cols grid fits in a box of maxW x maxH. */
export function fitCell(rows, cols, maxW, maxH, maxCell = 32, minCell = 4) {
  const size = Math.floor(Math.min(maxW / cols, maxH / rows, maxCell));
  return Math.max(minCell, size);
}

export class GridView {
  /**
   * @param {number[][]} grid
   * @param {{cell?: number, maxWidth?: number, maxHeight?: number, maxCell?: number,
   *          minCell?: number, lines?: boolean (false: no grid lines, for thumbnails),
   *          numbers?: boolean, patterns?: boolean, label?: string, name?: string,
   *          marks?: number[][] (cells drawn with a frame, e.g. where two grids differ)}} options
   */
  constructor(grid, options = {}) {
    this.options = options;
    this.numbers = Boolean(options.numbers);
    this.patterns = Boolean(options.patterns);
    this.canvas = h("canvas", { role: "img" });
    this.selectionBox = h("div.selection", { hidden: true });
    this.hoverBox = h("div.hover-cell", { hidden: true });
    this.el = h("div.grid-view", { dataset: { grid: options.name || "" } },
      this.canvas, this.hoverBox, this.selectionBox);
    this.el.gridView = this;
    this.ctx = this.canvas.getContext("2d", { alpha: false });
    this.selection = null;
    this.marks = options.marks ? new Set(options.marks.map(([r, c]) => r * 32 + c)) : null;
    this.setGrid(grid);
  }

  get rows() { return this.grid.length; }
  get cols() { return this.grid[0].length; }

  /** Replace the whole grid (and re-layout when the shape changes). */
  setGrid(grid) {
    const reshape = !this.grid || grid.length !== this.rows || grid[0].length !== this.cols;
    this.grid = cloneGrid(grid);
    if (reshape) this.layout();
    this.drawAll();
    this.canvas.setAttribute("aria-label", `${this.options.label || "grid"} ${shapeText(this.grid)}`);
  }

  layout() {
    const o = this.options;
    const css = o.cell || fitCell(this.rows, this.cols, o.maxWidth || 360, o.maxHeight || 360, o.maxCell || 32, o.minCell);
    this.dpr = window.devicePixelRatio || 1;
    this.cs = Math.max(2, Math.round(css * this.dpr)); // device pixels per cell, lines included
    this.line = o.lines === false ? 0 : Math.max(1, Math.round(this.dpr));
    const w = this.cols * this.cs + this.line;
    const hgt = this.rows * this.cs + this.line;
    this.canvas.width = w;
    this.canvas.height = hgt;
    this.canvas.style.width = `${w / this.dpr}px`;
    this.canvas.style.height = `${hgt / this.dpr}px`;
    this.cssCell = this.cs / this.dpr;
    this.renderSelection();
  }

  drawAll() {
    const { ctx } = this;
    ctx.fillStyle = LINE;
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    for (let r = 0; r < this.rows; r++) for (let c = 0; c < this.cols; c++) this.drawCell(r, c);
  }

  drawCell(r, c) {
    const { ctx, cs, line } = this;
    const v = this.grid[r][c];
    const x = c * cs + line;
    const y = r * cs + line;
    const size = cs - line;
    ctx.fillStyle = PALETTE[v] ?? "#ffffff";
    ctx.fillRect(x, y, size, size);
    if (this.marks?.has(r * 32 + c) && size >= 4) {
      // a marked cell (e.g. differs from the expected grid): a white-and-black inner frame
      const w = Math.max(1, Math.round(size / 8));
      ctx.strokeStyle = "#000";
      ctx.lineWidth = w * 2;
      ctx.strokeRect(x + w, y + w, size - 2 * w, size - 2 * w);
      ctx.strokeStyle = "#fff";
      ctx.lineWidth = w;
      ctx.strokeRect(x + w, y + w, size - 2 * w, size - 2 * w);
    }
    if (this.patterns && !this.numbers) drawPattern(ctx, v, x, y, size);
    if (this.numbers && size >= 9) {
      ctx.fillStyle = LIGHT.has(v) ? "#111" : "#eee";
      ctx.font = `${Math.floor(size * 0.6)}px ui-monospace, "Liberation Mono", monospace`;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(String(v), x + size / 2, y + size / 2 + this.dpr * 0.5);
    }
  }

  /** Set cells [[r, c, v], ...]; only those cells are redrawn. */
  setCells(changes) {
    for (const [r, c, v] of changes) {
      if (this.grid[r][c] === v) continue;
      this.grid[r][c] = v;
      this.drawCell(r, c);
    }
  }

  /** Bring the canvas in line with `grid`, redrawing only differing cells. */
  update(grid) {
    if (grid.length !== this.rows || grid[0].length !== this.cols) return this.setGrid(grid);
    for (let r = 0; r < grid.length; r++) {
      const src = grid[r];
      const dst = this.grid[r];
      for (let c = 0; c < src.length; c++) {
        if (dst[c] !== src[c]) {
          dst[c] = src[c];
          this.drawCell(r, c);
        }
      }
    }
  }

  setNumbers(on) {
    if (this.numbers === on) return;
    this.numbers = on;
    this.drawAll();
  }

  /** Show or hide the colour-blind marks (digits win when both are on). */
  setPatterns(on) {
    if (this.patterns === on) return;
    this.patterns = on;
    this.drawAll();
  }

  /** Fit the grid into a box of maxWidth x maxHeight CSS pixels (re-layout when it changes). */
  fit(maxWidth, maxHeight, maxCell = this.options.maxCell) {
    const o = this.options;
    if (o.maxWidth === maxWidth && o.maxHeight === maxHeight && o.maxCell === maxCell) return;
    Object.assign(o, { maxWidth, maxHeight, maxCell });
    this.layout();
    this.drawAll();
  }

  /** The cell under a pointer event, or null when outside the grid. */
  cellAt(event, clamp = false) {
    const rect = this.canvas.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const y = event.clientY - rect.top;
    let c = Math.floor(x / this.cssCell);
    let r = Math.floor(y / this.cssCell);
    if (clamp) {
      r = Math.min(this.rows - 1, Math.max(0, r));
      c = Math.min(this.cols - 1, Math.max(0, c));
    } else if (r < 0 || c < 0 || r >= this.rows || c >= this.cols) {
      return null;
    }
    return [r, c];
  }

  /** Show a selected rectangle {r0, c0, r1, c1} (inclusive), or none. */
  setSelection(sel) {
    this.selection = sel;
    this.renderSelection();
  }

  renderSelection() {
    const sel = this.selection;
    if (!sel || !this.cssCell) {
      this.selectionBox.hidden = true;
      return;
    }
    const r0 = Math.min(sel.r0, sel.r1), r1 = Math.max(sel.r0, sel.r1);
    const c0 = Math.min(sel.c0, sel.c1), c1 = Math.max(sel.c0, sel.c1);
    Object.assign(this.selectionBox.style, {
      left: `${c0 * this.cssCell}px`,
      top: `${r0 * this.cssCell}px`,
      width: `${(c1 - c0 + 1) * this.cssCell + this.line / this.dpr}px`,
      height: `${(r1 - r0 + 1) * this.cssCell + this.line / this.dpr}px`,
    });
    this.selectionBox.hidden = false;
  }

  showHover(cell) {
    if (!cell) {
      this.hoverBox.hidden = true;
      return;
    }
    Object.assign(this.hoverBox.style, {
      left: `${cell[1] * this.cssCell}px`,
      top: `${cell[0] * this.cssCell}px`,
      width: `${this.cssCell + this.line / this.dpr}px`,
      height: `${this.cssCell + this.line / this.dpr}px`,
    });
    this.hoverBox.hidden = false;
  }
}

/** A labelled grid figure: caption with the shape, the grid below. */
export function gridFigure(grid, caption, options = {}) {
  const view = new GridView(grid, options);
  const fig = h("figure.grid-figure", view.el,
    h("figcaption", h("span", caption), " ", h("span.shape", shapeText(grid))));
  return { fig, view };
}

/** A palette of 10 colour swatches; `onPick(colour)`; returns {el, setActive, setPatterns}. */
export function paletteBar(onPick, { keys = true } = {}) {
  const marks = PALETTE.map(() => h("canvas.mark", { width: 24, height: 24, "aria-hidden": "true" }));
  const buttons = PALETTE.map((colour, i) =>
    h("button.swatch", {
      type: "button",
      style: { background: colour },
      title: `${i} ${COLOUR_NAMES[i]}${keys ? ` (key ${i})` : ""}`,
      "aria-label": `colour ${i} ${COLOUR_NAMES[i]}`,
      dataset: { colour: String(i) },
      onclick: () => onPick(i),
    }, marks[i], h("span", String(i))),
  );
  const el = h("div.palette", { role: "toolbar", "aria-label": "colours" }, buttons);
  return {
    el,
    setActive(i) {
      buttons.forEach((b, j) => b.classList.toggle("active", i === j));
    },
    setPatterns(on) {
      marks.forEach((m, i) => {
        const ctx = m.getContext("2d");
        ctx.clearRect(0, 0, m.width, m.height);
        if (on) drawPattern(ctx, i, 0, 0, m.width);
      });
    },
  };
}
