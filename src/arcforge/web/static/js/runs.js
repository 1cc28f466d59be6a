// The list of runs: run folders and runs merged into the store.

import { enc, get } from "./api.js";
import { $, fill, h, timeElement } from "./dom.js";
import { mountHeader } from "./header.js";

async function main() {
  await mountHeader("runs");
  const app = $("#app");
  let data;
  try {
    data = await get("/api/runs");
  } catch (err) {
    fill(app, h("p.error", `Cannot load runs: ${err.message}`));
    return;
  }
  fill(app,
    h("h1", "Runs"),
    data.items.length ? h("table.runs#run-list",
      h("thead", h("tr", ["run", "kind", "model", "data", "started", "tasks", "samples", "errors", "cost / task", "status"].map((c) => h("th", c)))),
      h("tbody", data.items.map((r) => h("tr", { dataset: { run: r.id } },
        h("td", h("a.mono", { href: `/runs/${enc(r.id)}` }, r.id), r.origin === "store" ? h("span.badge", "store") : null),
        h("td", h(`span.badge.${r.kind === "reasoning" ? "reasoning" : "code"}`, r.kind ?? ""),
          r.rounds > 1 ? h("span.badge", { title: "rounds of execution feedback per sample at most" }, `${r.rounds} rounds`) : null),
        h("td.mono", r.model ?? ""),
        h("td.mono.dim", r.data ?? ""),
        h("td", r.started_at ? timeElement(r.started_at) : ""),
        h("td.num", String(r.tasks ?? "")),
        h("td.num", String(r.samples ?? "")),
        h("td.num", r.errors ? h("span.bad", String(r.errors)) : h("span.dim", "0")),
        h("td.num", r.cost_per_task == null ? h("span.dim", "—") : `$${r.cost_per_task.toFixed(4)}`),
        h("td", r.status ?? "")))))
      : h("p.empty", "No runs yet. Start one with ", h("code", "arcforge codegen"), ", ", h("code", "arcforge predict"), " or ", h("code", "arcforge traces"),
        " and serve with ", h("code", "--runs DIR"), "."));
}

main();
