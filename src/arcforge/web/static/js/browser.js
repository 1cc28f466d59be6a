// The task browser: sources, search by id, filters, counts per task, pagination, random task.

import { enc, get, query } from "./api.js";
import { $, fill, h, isTyping, toast } from "./dom.js";
import { GridView } from "./grid.js";
import { mountHeader } from "./header.js";

const PAGE = Math.min(500, Math.max(1, Number(new URLSearchParams(location.search).get("limit")) || 50));
const FILTERS = [
  ["solved_by_me", "solved by me"],
  ["has_traces", "has traces"],
  ["has_variations", "has variations"],
];

const state = readState();
let user = null;
let searchTimer = null;
let loadSeq = 0;

function readState() {
  const p = new URLSearchParams(location.search);
  return {
    source: p.get("source") || "",
    q: p.get("q") || "",
    page: Math.max(0, Number(p.get("page") || 1) - 1),
    solved_by_me: p.get("solved_by_me") === "true",
    has_traces: p.get("has_traces") === "true",
    has_variations: p.get("has_variations") === "true",
  };
}

function writeState() {
  const q = query({
    source: state.source, q: state.q, page: state.page ? state.page + 1 : "", limit: PAGE === 50 ? "" : PAGE,
    solved_by_me: state.solved_by_me, has_traces: state.has_traces, has_variations: state.has_variations,
  });
  history.replaceState(null, "", `/${q}`);
}

/** Open a first easy task of the source (one the visitor has not solved yet). */
async function startSolving(source) {
  try {
    const { id, source: src } = await get(`/api/start${query({ source })}`);
    if (!id) { toast("This source has no task to start with", "error"); return; }
    location.href = `/task/${enc(id)}?source=${enc(src)}`;
  } catch (err) {
    toast(`Cannot pick a task: ${err.message}`, "error");
  }
}

/** Two sentences on what ARC and the studio are, and where to begin. */
function intro() {
  return h("section.card.intro#intro",
    h("p", h("strong", "ARC"), " (the Abstraction and Reasoning Corpus) is a set of puzzles: each shows a few input → output grid pairs, and you find the rule and build the output for a new input. ",
      "In this studio people solve ARC tasks, describe their solutions and vote on them, and the collected work becomes open data sets for research."),
    h("div.actions",
      h("button.primary#start-solving", { type: "button", onclick: () => startSolving(state.source) }, "Start solving"),
      h("a.button#open-tutorial", { href: "/tutorial" }, "Tutorial (2 min)"),
      user ? h("a.button#open-check", { href: "/check" }, "Check a description") : null));
}

async function main() {
  user = await mountHeader("tasks");
  if (new URLSearchParams(location.search).get("start") === "1") {
    await startSolving(state.source);
    return;
  }
  const app = $("#app");
  let sources;
  try {
    sources = await get("/api/sources");
  } catch (err) {
    fill(app, h("p.error", `Cannot load the data sources: ${err.message}`));
    return;
  }
  if (!state.source) state.source = sources.default;
  const sourceSelect = h("select#source", {
    "aria-label": "data source",
    onchange: () => { state.source = sourceSelect.value; state.page = 0; load(); },
  }, sources.items.map((s) => h("option", { value: s.id, selected: s.id === state.source },
    `${s.label} (${s.tasks})`)));
  const search = h("input#search", {
    type: "search", placeholder: "Search by id  ( / )", value: state.q, autocomplete: "off", spellcheck: false,
    "aria-label": "search by task id",
    oninput: () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => { state.q = search.value.trim(); state.page = 0; load(); }, 150);
    },
    onkeydown: (e) => {
      if (e.key === "Enter") {
        const first = $("#task-list tbody a");
        if (first) location.href = first.href;
      } else if (e.key === "Escape") {
        search.blur();
      }
    },
  });
  const filters = FILTERS.map(([key, label]) => {
    const box = h("input", {
      type: "checkbox", id: `filter-${key}`, checked: state[key], disabled: key === "solved_by_me" && !user,
      onchange: () => { state[key] = box.checked; state.page = 0; load(); },
    });
    return h("label.check", { title: key === "solved_by_me" && !user ? "log in to use this filter" : null },
      box, label);
  });
  fill(app,
    intro(),
    h("section.browser-controls",
      h("div.row", sourceSelect, search,
        h("button#random", { type: "button", title: "Open a random task (R)", onclick: openRandom }, "⚄ Random task")),
      h("div.row.filters", filters)),
    h("section.browser-list",
      h("div.list-status", h("span#total"), h("span.spacer"), h("nav.pager#pager")),
      h("table#task-list.tasks",
        h("thead", h("tr", h("th.num", "#"), h("th", "task"), h("th", "first demonstration"), h("th.num", "variations"),
          h("th.num", "traces"), h("th.num", "attempts"), h("th", "solved"))),
        h("tbody")),
      h("div.list-status", h("span.spacer"), h("nav.pager#pager-bottom"))));
  document.addEventListener("keydown", (e) => {
    if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "/") { e.preventDefault(); search.focus(); search.select(); }
    else if (e.key === "r" || e.key === "R") openRandom();
    else if (e.key === "ArrowRight") go(state.page + 1);
    else if (e.key === "ArrowLeft") go(state.page - 1);
  });
  load();
}

let lastTotal = 0;
function go(page) {
  const pages = Math.max(1, Math.ceil(lastTotal / PAGE));
  if (page < 0 || page >= pages || page === state.page) return;
  state.page = page;
  load();
}

async function load() {
  writeState();
  const seq = ++loadSeq;
  const tbody = $("#task-list tbody");
  tbody.classList.add("stale");
  let data;
  try {
    data = await get(`/api/tasks${query({
      source: state.source, q: state.q, offset: state.page * PAGE, limit: PAGE,
      solved_by_me: state.solved_by_me || undefined, has_traces: state.has_traces || undefined,
      has_variations: state.has_variations || undefined, thumbnails: true,
    })}`);
  } catch (err) {
    if (seq !== loadSeq) return;
    tbody.classList.remove("stale");
    fill(tbody, h("tr", h("td.error", { colspan: 7 }, `Cannot load tasks: ${err.message}`)));
    return;
  }
  if (seq !== loadSeq) return;
  lastTotal = data.total;
  tbody.classList.remove("stale");
  const src = enc(state.source);
  fill(tbody, data.items.length ? data.items.map((t) => h("tr", {
    dataset: { task: t.id },
    onclick: (e) => { if (!e.target.closest("a")) location.href = `/task/${enc(t.id)}?source=${src}`; },
  },
    h("td.num.dim", String(t.number)),
    h("td", h("a.task-link.mono", { href: `/task/${enc(t.id)}?source=${src}` }, t.id)),
    h("td.thumb-cell", thumbnail(t.id, t.thumbnail)),
    h("td.num", count(t.versions - 1, "variation")),
    h("td.num", count(t.traces)),
    h("td.num", count(t.attempts)),
    h("td", t.solved_by_me ? h("span.badge.ok", { title: "you solved this task" }, "✓ solved") : ""),
  )) : h("tr", h("td.empty", { colspan: 7 }, "No task matches.")));
  const first = data.total ? data.offset + 1 : 0;
  fill($("#total"), `${data.total} task${data.total === 1 ? "" : "s"}`,
    data.total ? h("span.dim", ` · showing ${first}–${data.offset + data.items.length}`) : "");
  renderPager($("#pager"), data.total);
  renderPager($("#pager-bottom"), data.total);
}

// ---- thumbnails: the first demonstration of each task, sent with the page of the list ----

function thumbnail(id, pair) {
  const el = h("div.thumb", { dataset: { task: id } });
  if (!pair) return el;
  const size = { maxWidth: 72, maxHeight: 48, maxCell: 6, minCell: 1, lines: false };
  return fill(el, new GridView(pair.input, { ...size, name: `thumb-${id}-input` }).el, h("span.arrow", "→"),
    new GridView(pair.output, { ...size, name: `thumb-${id}-output` }).el);
}

function count(n) {
  return n > 0 ? String(n) : h("span.dim", "–");
}

function renderPager(nav, total) {
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const p = state.page;
  const button = (label, page, extra = {}) => h("button", {
    type: "button", disabled: page < 0 || page >= pages || page === p, class: page === p ? "current" : null,
    onclick: () => go(page), ...extra,
  }, label);
  const numbers = [];
  const shown = new Set([0, pages - 1, p - 2, p - 1, p, p + 1, p + 2].filter((i) => i >= 0 && i < pages));
  let prev = -1;
  for (const i of [...shown].sort((a, b) => a - b)) {
    if (i - prev > 1) numbers.push(h("span.dim", "…"));
    numbers.push(button(String(i + 1), i, { "aria-label": `page ${i + 1}` }));
    prev = i;
  }
  fill(nav, button("‹ Prev", p - 1, { "aria-label": "previous page", class: "prev" }), numbers,
    button("Next ›", p + 1, { "aria-label": "next page", class: "next" }));
}

async function openRandom() {
  try {
    const { id } = await get(`/api/tasks/random${query({ source: state.source })}`);
    location.href = `/task/${enc(id)}?source=${enc(state.source)}`;
  } catch (err) {
    toast(`No random task: ${err.message}`, "error");
  }
}

main();
