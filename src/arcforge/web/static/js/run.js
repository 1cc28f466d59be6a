// The run viewer: per task, each sample's reasoning and code, and the grids it produced on every
// train and test pair next to the expected ones, with verdicts. Test grids (expected and produced),
// reasoning and code only come from the server for admins and for those who may see the task's
// answers (solved in study mode, study attempts used up, or revealed); others see the verdicts and
// a note saying why the rest is hidden.

import { ApiError, enc, get } from "./api.js";
import { $, fill, h } from "./dom.js";
import { differingCells, gridFigure, shapeText } from "./grid.js";
import { mountHeader } from "./header.js";
import { setTrustedHtml } from "./safehtml.js";

const runId = decodeURIComponent(location.pathname.replace(/\/+$/, "").split("/").pop());
const params = new URLSearchParams(location.search);
const STATUS_LABEL = {
  pass: "✓ pass", fail: "✗ fail", error: "error", timeout: "timeout", invalid_output: "invalid output",
  unchecked: "unchecked", pending: "not run",
};

async function main() {
  await mountHeader("runs");
  const app = $("#app");
  let run;
  try {
    run = await get(`/api/runs/${enc(runId)}`);
  } catch (err) {
    fill(app, h("p.error", err instanceof ApiError && err.status === 404 ? `No run ${runId}.` : `Cannot load run: ${err.message}`));
    return;
  }
  document.title = `${run.id} · runs · arcforge studio`;
  const info = run.info || {};
  const scores = run.scores || {};
  const taskList = h("ul.run-tasks#run-tasks");
  const detail = h("section.run-task#run-task");
  fill(app,
    h("div.run-head",
      h("h1.mono", run.id),
      h("div.facts",
        fact("model", info.model ?? info.model_spec), fact("kind", info.kind), fact("data", info.data ?? info.data_spec),
        fact("started", info.started_at ? new Date(info.started_at).toLocaleString() : null), fact("origin", run.origin),
        Object.entries(scores).filter(([, v]) => typeof v !== "object").map(([k, v]) => fact(k.replaceAll("_", " "), formatValue(v))))),
    h("div.run-layout",
      h("nav.panel.run-task-list", h("h2", `Tasks (${run.tasks.length})`), taskList),
      detail));
  const select = (t, li) => {
    for (const x of taskList.children) x.classList.toggle("active", x === li);
    const q = new URLSearchParams(location.search);
    q.set("task", t.task_id);
    if (t.version) q.set("version", String(t.version)); else q.delete("version");
    history.replaceState(null, "", `?${q}`);
    loadTask(detail, t);
  };
  const items = run.tasks.map((t) => {
    const li = h("li", { dataset: { task: t.task_id } },
      h("button.link", { type: "button", onclick: () => select(t, li) },
        h("span.mono", t.task_id), t.version ? h("span.dim", ` v${t.version}`) : null),
      h("span.spacer"),
      verdictSummary(t));
    return [t, li];
  });
  fill(taskList, items.map(([, li]) => li));
  const wanted = params.get("task");
  const first = items.find(([t]) => t.task_id === wanted) || items[0];
  if (first) select(...first);
  else fill(detail, h("p.empty", "This run has no samples yet."));
}

function fact(label, value) {
  if (value === undefined || value === null || value === "") return null;
  return h("span.fact", h("span.dim", `${label} `), h("span", String(value)));
}

function formatValue(v) {
  return typeof v === "number" && !Number.isInteger(v) ? v.toFixed(3) : v;
}

function verdictSummary(t) {
  const parts = [];
  const mark = (passed, split) => {
    if (passed === undefined || passed === null) return;
    parts.push(h("span.badge", { class: passed ? "ok" : "bad", title: `${passed ? "a" : "no"} sample passes every ${split} pair` },
      `${split} ${passed ? "✓" : "✗"}`));
  };
  mark(t.passed_train, "train");
  mark(t.passed_test, "test");
  if (t.errors) parts.push(h("span.badge.error", { title: "samples that failed with an error" }, `${t.errors} err`));
  return h("span.verdicts", parts);
}

async function loadTask(detail, t) {
  detail.classList.add("stale");
  let data;
  try {
    data = await get(`/api/runs/${enc(runId)}/tasks/${enc(t.task_id)}?version=${t.version ?? 0}`);
  } catch (err) {
    fill(detail, h("p.error", `Cannot load ${t.task_id}: ${err.message}`));
    detail.classList.remove("stale");
    return;
  }
  detail.classList.remove("stale");
  fill(detail,
    h("div.panel-head", h("h2.mono", data.task_id), data.version ? h("span.dim", ` v${data.version}`) : null,
      h("span.spacer"), h("a", { href: taskHref(data) }, "open in the studio ›")),
    data.test_outputs_hidden ? hiddenNote(data) : null,
    data.samples.length ? data.samples.map((s) => renderSample(data, s)) : h("p.empty", "No samples."));
}

function taskHref(data) {
  return `/task/${enc(data.task_id)}${data.version ? `?v=${data.version}` : ""}`;
}

/** Why the test grids are missing, with the way to see them. */
function hiddenNote(data) {
  const reason = data.hidden_reason || "solve this task to see its test grids";
  return h("p.notice.test-hidden#test-hidden", { role: "note" },
    h("strong", "Answers hidden: "), `${reason[0].toUpperCase()}${reason.slice(1)}. `,
    h("a", { href: taskHref(data) }, "Solve it in the studio ›"),
    " Test grids, reasoning and code stay hidden until then; every verdict is shown.");
}

function renderSample(task, s) {
  const reasoning = h("div.markdown.reasoning");
  if (s.reasoning_html) setTrustedHtml(reasoning, s.reasoning_html);
  else if (s.reasoning === null && task.test_outputs_hidden) reasoning.append(h("p.dim", "hidden until you may see this task's answers"));
  else reasoning.append(h("pre.plain", String(s.reasoning ?? "")));
  const pairs = s.pairs || [];
  const passed = pairs.filter((p) => p.status === "pass").length;
  const round = s.round == null ? "" : ` · round ${s.round}`;
  return h("article.sample", { dataset: { sample: String(s.sample), round: String(s.round ?? "") } },
    h("header",
      h("h3", `Sample ${s.sample}` + round + (s.test_index == null ? "" : ` · test ${s.test_index + 1}`)),
      s.chosen ? h("span.badge.ok", { title: "the round whose program passed the most train pairs: the sample's answer" }, "answer") : null,
      s.augment ? h("span.badge", { title: "the frame this sample saw the task in; its answers were mapped back" }, s.augment) : null,
      h("span.mono.dim", s.model ?? ""),
      pairs.length ? h("span.badge", { class: passed === pairs.length ? "ok" : "bad" }, `${passed}/${pairs.length} pairs`) : null,
      s.error ? h("span.badge.bad", { title: s.error.message }, s.error.kind) : null,
      h("span.spacer"),
      s.latency_s ? h("span.dim", `${Number(s.latency_s).toFixed(1)} s`) : null,
      s.usage ? h("span.dim", ` · ${s.usage.input_tokens ?? 0} in / ${s.usage.output_tokens ?? 0} out tokens`) : null),
    s.error ? h("p.error", `${s.error.kind}: ${s.error.message}`) : null,
    h("details.reasoning-box", { open: true }, h("summary", "Reasoning"), reasoning),
    s.provider_reasoning ? h("details", h("summary", "Provider reasoning"), h("pre.plain", s.provider_reasoning)) : null,
    s.code ? h("details.code-box", { open: true }, h("summary", "Code" + round), h("pre.code", h("code", s.code))) : null,
    pairs.length ? h("div.pair-results", pairs.map((p) => renderPair(task, p, `${s.sample}${s.round == null ? "" : `r${s.round}`}`))) : null,
    s.feedback ? h("details.feedback-box", h("summary", `Feedback sent to the model after round ${s.round}`), h("pre.plain", s.feedback)) : null);
}

function renderPair(task, p, sample) {
  const pair = (task[p.split] || [])[p.index] || {};
  const small = { maxWidth: 160, maxHeight: 160, maxCell: 18 };
  const named = (what) => ({ ...small, name: `${sample}-${p.split}-${p.index}-${what}`, label: `${p.split} ${p.index + 1} ${what}` });
  const hidden = task.test_outputs_hidden && p.split !== "train";
  const placeholder = (text, caption) => h("figure.grid-figure.missing", { class: hidden ? "hidden-grid" : null },
    h("div.no-grid", { title: hidden ? "solve this task to see its test grids" : null }, text), h("figcaption", caption));
  const expected = p.expected ?? pair.output;
  const wrong = p.output && expected ? differingCells(p.output, expected) : [];
  const sameShape = p.output && expected && shapeText(p.output) === shapeText(expected);
  const diff = p.status === "fail" && p.output && expected
    ? h("span.diff", sameShape ? `${wrong.length} of ${expected.length * expected[0].length} cells differ` : "wrong size")
    : null;
  const status = Object.hasOwn(STATUS_LABEL, p.status) ? p.status : "unknown"; // a class name: only known ones
  return h("div.pair-result", { class: `status-${status}`, dataset: { split: String(p.split), index: String(p.index), status: String(p.status) } },
    h("div.pair-title", h("span", `${p.split} ${p.index + 1}`), diff, h("span.spacer"),
      h(`span.badge.verdict.${status}`, STATUS_LABEL[status] ?? String(p.status))),
    h("div.pair-grids",
      pair.input ? gridFigure(pair.input, "input", named("input")).fig : null,
      expected ? gridFigure(expected, "expected", named("expected")).fig : placeholder(hidden ? "hidden" : "unknown", "expected"),
      p.output ? gridFigure(p.output, "produced", { ...named("produced"), marks: wrong }).fig : placeholder(hidden ? "hidden" : "—", "produced")),
    p.error ? h("pre.pair-error", p.error) : null);
}

main();
