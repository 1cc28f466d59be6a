// The traces panel: every trace of the task version, votes, add and remove, live updates.
// Until the viewer may see the version's answers, the server sends only their own traces
// (blind solving); the panel then says why and offers to reveal the answers.

import { del, enc, get, post } from "./api.js";
import { fill, h, timeElement, toast } from "./dom.js";
import { setTrustedHtml } from "./safehtml.js";

export class TracesPanel {
  constructor({ onCount = () => {}, onReveal = () => {} } = {}) {
    this.onCount = onCount;
    this.onReveal = onReveal;
    this.hiddenReason = null;
    this.el = h("section.traces", { "aria-label": "traces" });
    this.items = [];
    this.list = h("div.trace-list#trace-list");
    this.text = h("textarea#trace-text", {
      rows: 5, placeholder: "Describe how to solve this task, step by step. Markdown works.",
      "aria-label": "new trace",
      onkeydown: (e) => {
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); this.add(); }
      },
    });
    this.addButton = h("button.primary#add-trace", { type: "button", onclick: () => this.add() }, "Add trace");
    this.compose = h("div.compose", this.text, h("div.row", h("span.dim.small", "Markdown · Ctrl+Enter to add"),
      h("span.spacer"), this.addButton));
    fill(this.el, this.list, this.compose);
  }

  setTask(task, user) {
    this.taskId = task.id;
    this.version = task.version;
    this.user = user;
    fill(this.compose, this.user ? [this.text, h("div.row", h("span.dim.small", "Markdown · Ctrl+Enter to add"),
      h("span.spacer"), this.addButton)]
      : h("p.dim", h("a", { href: `/login?next=${enc(location.pathname + location.search)}` }, "Log in"),
        " to add traces and vote."));
    return this.load();
  }

  async load() {
    const { taskId, version } = this;
    try {
      const data = await get(`/api/tasks/${enc(taskId)}/traces?version=${version}`);
      if (taskId !== this.taskId || version !== this.version) return;
      this.items = data.items;
      this.hiddenReason = data.hidden ? data.hidden_reason : null;
    } catch (err) {
      fill(this.list, h("p.error", `Cannot load traces: ${err.message}`));
      return;
    }
    this.render();
  }

  sort() {
    this.items.sort((a, b) => b.score - a.score || String(a.created_at).localeCompare(String(b.created_at)) || a.id - b.id);
  }

  render() {
    this.sort();
    this.onCount(this.items.length);
    const hidden = this.hiddenReason ? this.hiddenNote() : null;
    fill(this.list, hidden, this.items.length ? this.items.map((t) => this.renderTrace(t))
      : hidden ? null : h("p.empty", "No traces for this version yet."));
  }

  /** Why other people's traces are not shown, and the way to see them. */
  hiddenNote() {
    const reason = this.hiddenReason;
    return h("div.notice.traces-hidden#traces-hidden", { role: "note" },
      h("p", h("strong", "Traces are hidden while you solve. "),
        "Other people's traces and model reasoning usually give the answer away: ",
        `${reason}.`),
      this.user
        ? h("p", h("button#reveal-answers", { type: "button", onclick: () => this.onReveal() },
          "Reveal the answers"),
        h("span.dim.small", " Shows this task's test outputs, traces and runs, and ends your study attempts on it."))
        : h("p", h("a", { href: `/login?next=${enc(location.pathname + location.search)}` }, "Log in"),
          " to solve it or reveal it."));
  }

  renderTrace(t) {
    const body = h("div.trace-body.markdown");
    setTrustedHtml(body, t.html);
    const vote = (value, label, symbol) => h("button.vote", {
      type: "button", class: t.my_vote === value ? "on" : null, title: label, "aria-label": label,
      "aria-pressed": t.my_vote === value ? "true" : "false", disabled: !this.user,
      onclick: () => this.vote(t, t.my_vote === value ? 0 : value),
    }, symbol);
    const kind = t.author_kind === "model" ? "model" : "human";
    const uses = (t.uses_ok || t.uses_failed) ? h("span.uses", {
      title: "checks by use: people or models who built the output from this text alone",
    }, `used ${t.uses_ok + t.uses_failed}×: ${t.uses_ok} ✓ ${t.uses_failed} ✗`) : null;
    return h("article.trace", { dataset: { traceId: String(t.id), kind: t.kind || "trace" } },
      h("div.votes", vote(1, "vote up", "▲"), h("span.score", String(t.score)), vote(-1, "vote down", "▼")),
      h("div.trace-main",
        h("header",
          h(`span.badge.${kind}`, kind),
          t.kind === "description" ? h("span.badge.description", { title: `describes test input ${t.test_index + 1}` }, "description") : null,
          h("span.author", t.author),
          uses ? [h("span.dim", " · "), uses] : null,
          h("span.dim", " · "), timeElement(t.created_at),
          t.run_id ? [h("span.dim", " · "), h("a", { href: `/runs/${enc(t.run_id)}?task=${enc(this.taskId)}` },
            `run ${t.run_id}${t.sample !== null && t.sample !== undefined ? ` #${t.sample}` : ""}`)] : null,
          h("span.spacer"),
          t.can_delete ? h("button.link.danger.remove-trace", { type: "button", onclick: () => this.remove(t) }, "Remove") : null),
        body));
  }

  async add() {
    const text = this.text.value.trim();
    if (!text) { this.text.focus(); return; }
    this.addButton.disabled = true;
    try {
      const trace = await post(`/api/tasks/${enc(this.taskId)}/traces`, { version: this.version, text });
      this.upsert(trace);
      this.text.value = "";
      toast("Trace added", "ok");
    } catch (err) {
      toast(err.status === 401 ? "Log in to add traces." : `Cannot add the trace: ${err.message}`, "error");
    } finally {
      this.addButton.disabled = false;
    }
  }

  async vote(t, value) {
    try {
      const r = await post(`/api/traces/${t.id}/vote`, { value });
      const item = this.items.find((x) => x.id === t.id);
      if (item) Object.assign(item, { score: r.score, my_vote: r.my_vote });
      this.render();
    } catch (err) {
      toast(`Vote failed: ${err.message}`, "error");
    }
  }

  async remove(t) {
    if (!confirm("Remove this trace?")) return;
    try {
      await del(`/api/traces/${t.id}`);
      this.items = this.items.filter((x) => x.id !== t.id);
      this.render();
    } catch (err) {
      toast(`Cannot remove the trace: ${err.message}`, "error");
    }
  }

  upsert(trace) {
    const i = this.items.findIndex((x) => x.id === trace.id);
    if (i >= 0) this.items[i] = { ...this.items[i], ...trace };
    else this.items.push(trace);
    this.render();
  }

  /** A live event from another page. */
  onLive(msg) {
    if (msg.task_id !== this.taskId || msg.version !== this.version) return;
    if (msg.type === "trace_added") {
      if (this.items.some((x) => x.id === msg.trace.id)) return;
      const mine = this.user && (msg.trace.author === this.user.name || this.user.role === "admin");
      this.upsert({ ...msg.trace, my_vote: 0, can_delete: Boolean(mine) });
    } else if (msg.type === "trace_voted") {
      const item = this.items.find((x) => x.id === msg.trace_id);
      if (item) { item.score = msg.score; this.render(); }
    } else if (msg.type === "trace_removed") {
      const before = this.items.length;
      this.items = this.items.filter((x) => x.id !== msg.trace_id);
      if (this.items.length !== before) this.render();
    }
  }
}
