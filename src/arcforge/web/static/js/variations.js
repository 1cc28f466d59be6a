// The variations panel: compose a transformation spec, preview it on the server, sign it, and
// the list of versions with their signers.

import { del, enc, get, post } from "./api.js";
import { fill, h, timeElement, toast } from "./dom.js";
import { PALETTE, gridFigure } from "./grid.js";

export const DIHEDRAL = [
  ["identity", "none", "·"],
  ["rot90", "rotate 90° clockwise", "↻"],
  ["rot180", "rotate 180°", "⟲"],
  ["rot270", "rotate 90° counter-clockwise", "↺"],
  ["flip_h", "mirror left–right", "⇆"],
  ["flip_v", "mirror top–bottom", "⇅"],
  ["transpose", "mirror on the main diagonal", "⤡"],
  ["anti_transpose", "mirror on the anti-diagonal", "⤢"],
];
const SHORT = { rot90: "↻90°", rot180: "180°", rot270: "↺90°", flip_h: "⇆", flip_v: "⇅", transpose: "⤡", anti_transpose: "⤢" };

/** A short human summary of a spec, e.g. "↻90° · colours · swap t1↔test0". */
export function describeSpec(spec) {
  if (!spec || !spec.length) return "original";
  const parts = spec.map((op) => {
    if (SHORT[op.op]) return SHORT[op.op];
    if (op.op === "identity") return null;
    if (op.op === "permute_colours") return "colours";
    if (op.op === "swap_train_test") return `swap train ${op.train + 1} ↔ test ${op.test + 1}`;
    if (op.op === "reorder") return "reorder";
    return op.op;
  }).filter(Boolean);
  return parts.length ? parts.join(" · ") : "identity";
}

function randomMapping(keepZero) {
  const colours = keepZero ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const shuffled = colours.slice();
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const mapping = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  colours.forEach((c, i) => { mapping[c] = shuffled[i]; });
  return mapping;
}

export class VariationsPanel {
  constructor({ onNavigate }) {
    this.onNavigate = onNavigate;
    this.el = h("section.variations", { "aria-label": "variations" });
    this.task = null;
    this.user = null;
    this.previewTimer = null;
    this.previewSeq = 0;
  }

  setTask(task, user) {
    const sameBase = this.task && this.task.id === task.id && this.task.version === task.version;
    this.task = task;
    this.user = user;
    if (!sameBase || !this.form) this.render();
    this.renderVersions();
  }

  render() {
    const t = this.task;
    const dihedral = DIHEDRAL.map(([op, label, icon]) => h("label.op", { title: label },
      h("input", { type: "radio", name: "dihedral", value: op, checked: op === "identity", onchange: () => this.changed() }),
      h("span.icon", icon), h("span", op === "identity" ? "none" : op.replace("_", " "))));
    this.permute = h("input#permute", { type: "checkbox", onchange: () => this.changed() });
    this.keepZero = h("input#keep-zero", { type: "checkbox", checked: true });
    this.mapping = h("input#mapping.mono", {
      type: "text", value: "0123456789", maxLength: 10, size: 12, spellcheck: false, autocomplete: "off",
      "aria-label": "colour mapping: the new colour of 0, 1, … 9",
      oninput: () => { this.permute.checked = true; this.changed(); },
    });
    this.mappingView = h("div.mapping-view");
    this.swapTrain = h("select#swap-train", { "aria-label": "train pair to swap", onchange: () => this.changed() },
      h("option", { value: "" }, "no swap"), t.train.map((_, i) => h("option", { value: String(i) }, `train ${i + 1}`)));
    this.swapTest = h("select#swap-test", { "aria-label": "test pair to swap", onchange: () => this.changed() },
      t.test.map((_, i) => h("option", { value: String(i) }, `test ${i + 1}`)));
    this.order = h("input#train-order.mono", {
      type: "text", size: 14, spellcheck: false, autocomplete: "off", placeholder: t.train.map((_, i) => i + 1).join(" "),
      "aria-label": "new order of the train pairs, numbers from 1",
      oninput: () => this.changed(),
    });
    this.specView = h("code#spec.mono");
    this.error = h("p.error#variation-error", { hidden: true });
    this.preview = h("div.preview#variation-preview");
    this.signButton = h("button.primary#sign-variation", { type: "button", onclick: () => this.sign() }, "Sign variation");
    this.form = h("div.variation-form",
      h("p.dim", "Transform version ", h("strong", `v${t.version}`),
        ", preview the result, then sign it. Identical content adds your signature to the existing version."),
      h("fieldset", h("legend", "Rotate or mirror"), h("div.ops", dihedral)),
      h("fieldset", h("legend", "Colours"),
        h("div.row",
          h("label.check", this.permute, "permute colours"),
          h("button#random-mapping", {
            type: "button",
            onclick: () => {
              this.mapping.value = randomMapping(this.keepZero.checked).join("");
              this.permute.checked = true;
              this.changed();
            },
          }, "⚄ Random"),
          h("label.check", this.keepZero, "keep 0")),
        h("div.row", h("label", "mapping ", this.mapping)), this.mappingView),
      h("fieldset", h("legend", "Order of the demonstrations"),
        h("div.row", this.order,
          h("button#shuffle-train", {
            type: "button",
            onclick: () => {
              const order = t.train.map((_, i) => i + 1);
              for (let i = order.length - 1; i > 0; i--) {
                const j = Math.floor(Math.random() * (i + 1));
                [order[i], order[j]] = [order[j], order[i]];
              }
              this.order.value = order.join(" ");
              this.changed();
            },
          }, "⚄ Shuffle"),
          h("button.link", { type: "button", onclick: () => { this.order.value = ""; this.changed(); } }, "original order"))),
      h("fieldset", h("legend", "Swap a train pair with a test pair"),
        h("div.row", this.swapTrain, h("span", "↔"), this.swapTest),
        h("p.dim.small", "This shows the test output: signing it needs your correct study-mode answer to that test input, given before practising the task.")),
      h("div.spec-line", h("span.dim", "spec "), this.specView),
      this.error,
      h("div.row", this.signButton),
      h("h3", "Preview"), this.preview);
    this.versionList = h("ol.versions#version-list");
    fill(this.el, this.form, h("h3", "Versions"), this.versionList);
    this.changed();
  }

  /** The spec the form describes, or throws with a message. */
  spec() {
    const ops = [];
    const d = this.form.querySelector("input[name=dihedral]:checked")?.value || "identity";
    if (d !== "identity") ops.push({ op: d });
    if (this.permute.checked) {
      const digits = this.mapping.value.trim();
      if (!/^[0-9]{10}$/.test(digits)) throw new Error("the mapping needs 10 digits: the new colour of 0, 1, … 9");
      const mapping = [...digits].map(Number);
      if (new Set(mapping).size !== 10) throw new Error("the mapping must use every colour exactly once");
      if (mapping.some((v, i) => v !== i)) ops.push({ op: "permute_colours", mapping });
    }
    if (this.swapTrain.value !== "") {
      ops.push({ op: "swap_train_test", train: Number(this.swapTrain.value), test: Number(this.swapTest.value) });
    }
    const orderText = this.order.value.trim();
    if (orderText) {
      const n = this.task.train.length;
      const order = orderText.split(/[\s,]+/).map((x) => Number(x) - 1);
      const valid = order.length === n && order.every((i) => Number.isInteger(i) && i >= 0 && i < n) && new Set(order).size === n;
      if (!valid) throw new Error(`the order needs each of 1 to ${n} exactly once`);
      if (order.some((v, i) => v !== i)) ops.push({ op: "reorder", train: order });
    }
    return ops.length ? ops : [{ op: "identity" }];
  }

  changed() {
    this.renderMapping();
    let spec;
    try {
      spec = this.spec();
      this.error.hidden = true;
    } catch (err) {
      this.showError(err.message);
      this.specView.textContent = "";
      this.signButton.disabled = true;
      return;
    }
    this.specView.textContent = JSON.stringify(spec);
    const identity = spec.length === 1 && spec[0].op === "identity";
    this.signButton.disabled = !this.user;
    this.signButton.textContent = identity ? `Sign v${this.task.version} as it is` : "Sign variation";
    this.signButton.title = !this.user ? "log in to sign"
      : identity ? "add your signature to this version (you checked it)" : "store the transformed task as a version signed by you";
    clearTimeout(this.previewTimer);
    if (identity) {
      this.previewSeq++;
      fill(this.preview, h("p.dim", "Choose a transformation to preview it."));
      return;
    }
    this.previewTimer = setTimeout(() => this.loadPreview(spec), 200);
  }

  renderMapping() {
    const digits = this.mapping.value;
    fill(this.mappingView, [...Array(10).keys()].map((c) => {
      const to = /^[0-9]$/.test(digits[c] ?? "") ? Number(digits[c]) : null;
      return h("span.map-pair", { title: `${c} → ${to ?? "?"}` },
        h("span.chip", { style: { background: PALETTE[c] } }),
        h("span.arrow", "→"),
        h("span.chip", { style: { background: to === null ? "transparent" : PALETTE[to] } }));
    }));
  }

  showError(message) {
    this.error.textContent = message;
    this.error.hidden = false;
  }

  async loadPreview(spec) {
    const seq = ++this.previewSeq;
    this.preview.classList.add("stale");
    let result;
    try {
      result = await post(`/api/tasks/${enc(this.task.id)}/variations/preview`, { base_version: this.task.version, spec });
    } catch (err) {
      if (seq !== this.previewSeq) return;
      this.preview.classList.remove("stale");
      this.showError(err.message);
      fill(this.preview);
      return;
    }
    if (seq !== this.previewSeq) return;
    this.preview.classList.remove("stale");
    const small = { maxWidth: 72, maxHeight: 72, maxCell: 10 };
    fill(this.preview,
      result.train.map((p, i) => h("div.pair.small",
        gridFigure(p.input, `train ${i + 1} in`, small).fig,
        gridFigure(p.output, "out", small).fig)),
      result.test.map((p, i) => h("div.pair.small",
        gridFigure(p.input, `test ${i + 1} in`, small).fig)));
  }

  async sign() {
    let spec;
    try {
      spec = this.spec();
    } catch (err) {
      this.showError(err.message);
      return;
    }
    this.signButton.disabled = true;
    try {
      const { version, created } = await post(`/api/tasks/${enc(this.task.id)}/variations`,
        { base_version: this.task.version, spec });
      toast(created ? `Signed a new version v${version}` : `Added your signature to v${version}`, "ok");
      this.onNavigate(version);
    } catch (err) {
      this.showError(err.status === 401 ? "Log in to sign variations." : err.message);
    } finally {
      this.signButton.disabled = !this.user;
    }
  }

  renderVersions() {
    if (!this.versionList) return;
    const t = this.task;
    fill(this.versionList, (t.versions || []).map((v) => {
      const current = v.version === t.version;
      const signers = v.signed_by?.length ? v.signed_by.join(", ") : v.version === 0 ? "nobody (original data)" : "nobody yet";
      return h("li.version", {
        class: [current ? "current" : "", v.removed ? "removed" : ""].join(" "),
        dataset: { version: String(v.version) },
      },
      h("div.version-head",
        h("a", { href: versionHref(t, v.version), onclick: (e) => { e.preventDefault(); this.onNavigate(v.version); } },
          h("strong", `v${v.version}`)),
        h("span.dim", v.parent ? ` from v${v.parent.version}` : ""),
        h("span", ` ${describeSpec(v.transform)}`),
        v.removed ? h("span.badge", "removed") : null,
        h("span.spacer"),
        v.can_delete && !v.removed && v.version !== 0
          ? h("button.link.danger", { type: "button", title: "remove this version", onclick: () => this.remove(v.version) }, "Remove")
          : null),
      h("div.signers", h("span.dim", "signed by "), signers,
        v.created_at ? [h("span.dim", " · "), timeElement(v.created_at)] : null));
    }), this.moreButton());
  }

  /** The task's answer lists a first page of versions; the rest come a page at a time. */
  moreButton() {
    const t = this.task;
    const more = (t.versions_total ?? 0) - (t.versions || []).length;
    if (more <= 0) return null;
    return h("li.more", h("button.link#more-versions", { type: "button", onclick: () => this.loadMore() },
      `${more} more version${more === 1 ? "" : "s"}…`));
  }

  async loadMore() {
    const t = this.task;
    try {
      const page = await get(`/api/tasks/${enc(t.id)}/versions?offset=${t.versions.length}&limit=50`);
      if (this.task !== t) return;
      t.versions = t.versions.concat(page.items);
      t.versions_total = page.total;
    } catch (err) {
      toast(`Cannot load more versions: ${err.message}`, "error");
      return;
    }
    this.renderVersions();
  }

  async remove(version) {
    if (!confirm(`Remove version v${version}? Its traces and attempts stay in the store.`)) return;
    try {
      await del(`/api/tasks/${enc(this.task.id)}/versions/${version}`);
      toast(`Removed v${version}`, "ok");
      this.onNavigate(version === this.task.version ? (this.task.parent?.version ?? 0) : this.task.version, true);
    } catch (err) {
      toast(`Cannot remove v${version}: ${err.message}`, "error");
    }
  }
}

export function versionHref(task, version) {
  const q = new URLSearchParams();
  if (version) q.set("v", String(version));
  if (task.source) q.set("source", task.source);
  const s = q.toString();
  return `/task/${enc(task.id)}${s ? `?${s}` : ""}`;
}
