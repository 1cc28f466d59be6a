// The description form: after a study solve (or used-up attempts), describe how to build the
// output with LARC's template. Someone new to the task will try to build the output from the
// words alone (check by use), so the form says what to write.

import { enc, post } from "./api.js";
import { fill, h, toast } from "./dom.js";

const PARTS = [
  ["what_you_see", "What you see", "In the input, you should see…", 2],
  ["output_size", "The output size", "The output grid size is…", 1],
  ["how_to_build", "How to build the output", "To make the output, you have to…", 4],
];

export class DescriptionForm {
  constructor({ onSaved = () => {} } = {}) {
    this.onSaved = onSaved;
    this.target = null;
    this.el = h("section.describe#describe", { hidden: true, "aria-label": "describe your solution" });
    this.boxes = Object.fromEntries(PARTS.map(([name, , placeholder, rows]) => [name, h("textarea", {
      id: `describe-${name.replaceAll("_", "-")}`, rows, placeholder, maxLength: 5000,
    })]));
    this.save = h("button.primary#describe-save", { type: "button", onclick: () => this.send() }, "Save description");
  }

  /** Offer the form for {taskId, attemptId, testIndex}, or hide it (null). */
  show(target) {
    const same = target && this.target && target.attemptId === this.target.attemptId;
    this.target = target;
    this.el.hidden = !target;
    if (!target || same) return;
    for (const box of Object.values(this.boxes)) box.value = "";
    fill(this.el,
      h("h3", `Describe how to build the output of test input ${target.testIndex + 1}`),
      h("p.dim.small", "Someone new to this task will see only your words and the test input, not the demonstrations, and try to build the output. Write what they need."),
      PARTS.map(([name, label]) => h("label.part", h("span", label), this.boxes[name])),
      h("div.row", this.save,
        h("button.link#describe-later", { type: "button", onclick: () => { this.el.hidden = true; } }, "Not now")));
  }

  async send() {
    const { taskId, attemptId } = this.target;
    const fields = Object.fromEntries(PARTS.map(([name]) => [name, this.boxes[name].value.trim()]));
    if (!fields.how_to_build) {
      toast("Say how to build the output", "error");
      this.boxes.how_to_build.focus();
      return;
    }
    this.save.disabled = true;
    try {
      await post(`/api/tasks/${enc(taskId)}/descriptions`, { attempt_id: attemptId, fields });
    } catch (err) {
      toast(`Cannot save the description: ${err.message}`, "error");
      this.save.disabled = false;
      return;
    }
    this.save.disabled = false;
    this.target = null;
    fill(this.el, h("p.ok#describe-done", "✓ Description saved. Others will check it by building the output from it."));
    this.onSaved();
  }
}
