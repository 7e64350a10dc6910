// Predict, then play: before the run plays, the player asks the scenario's question ("Will it
// finish?", "What will the total be?"); the student answers (or skips), the run plays, and at
// its end the player says whether the answer was right. The truth comes from the run itself:
// its outcome, or the last value written to the shared variable.

import { decimal, valueAt } from "./model.js";
import { fill } from "./describe.js";
import { el, uid, withCode } from "./player.js";

/** The right answer, from the run: `{ok(answer), text}` (text says what happened). */
export function truthOf(player, spec) {
  const s = player.strings;
  const { model } = player;
  if (spec.kind === "finish") {
    const status = model.outcome.status;
    const finished = status === "completed";
    return {
      ok: (answer) => (answer === "yes") === finished,
      text: finished ? s["player.predict.finished"] : fill(s["player.predict.stuck"], { outcome: s[`outcome.${status}`] || status }),
    };
  }
  const names = spec.names || [spec.variable];
  const variable = [...model.variables.values()].find((v) => names.includes(v.label));
  const last = variable ? valueAt(variable, model.events.length - 1) : undefined;
  if (!last || typeof last.value !== "number") {
    return { ok: () => false, text: fill(s["player.predict.unknown"], { variable: spec.variable }) };
  }
  return {
    ok: (answer) => Number(answer) === last.value,
    text: fill(s["player.predict.value"], { variable: variable.label, value: decimal(String(last.value)) }),
  };
}

export class Prediction {
  /** Ask `spec` (the scenario's question) before `player` may play: its controls stay locked
   *  and its summary hidden (it would tell the outcome) until the student answers or skips. */
  constructor(player, spec) {
    this.player = player;
    this.spec = spec;
    this.answer = null;
    this.done = false;
    this.box = this.build();
    player.root.prepend(this.box);
    player.lock();
    player.onEnd = () => this.reveal();
  }

  build() {
    const s = this.player.strings;
    const title = el("h2", { id: uid("predict") }, s["player.predict.title"]);
    this.question = el("p", { class: "question", text: this.spec.question });
    this.form = el("form", { class: "predict-form" });
    if (this.spec.kind === "finish") {
      for (const value of ["yes", "no"]) {
        const button = el("button", { type: "submit", value, class: "answer" }, s[`player.predict.${value}`]);
        this.form.append(button);
      }
    } else {
      this.input = el("input", { type: "number", step: "any", required: "", inputmode: "decimal", name: "answer" });
      this.form.append(el("label", {}, `${s["player.predict.answer"]} `, this.input),
        el("button", { type: "submit", value: "number", class: "answer" }, s["player.predict.check"]));
    }
    this.skip = el("button", { type: "button", class: "skip-predict" }, s["player.predict.skip"]);
    this.form.append(this.skip);
    this.verdict = el("p", { class: "predict-verdict", role: "status" });
    const box = el("section", { class: "predict", "aria-labelledby": title.id }, title, this.question, this.form, this.verdict);
    this.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const value = ev.submitter && ev.submitter.value === "number" ? this.input.value.trim() : ev.submitter?.value;
      if (!value) return;
      this.start(value);
    });
    this.skip.addEventListener("click", () => this.start(null));
    return box;
  }

  /** The answer is given (null: skipped): the controls open and the run plays. */
  start(answer) {
    const s = this.player.strings;
    this.answer = answer;
    this.form.hidden = true; // the question stays, with the answer under it
    if (answer !== null) {
      const said = this.spec.kind === "finish" ? s[`player.predict.${answer}`] : decimal(answer);
      this.shown = fill(s["player.predict.quoted"], { answer: said });
      this.verdict.textContent = fill(s["player.predict.waiting"], { answer: this.shown });
    }
    this.player.unlock();
    this.player.play();
  }

  /** The playhead reached the end: say whether the answer was right, and show the summary. */
  reveal() {
    if (this.done || this.player.locked) return;
    this.done = true;
    const s = this.player.strings;
    const truth = truthOf(this.player, this.spec);
    let text = truth.text;
    if (this.answer !== null) {
      const right = truth.ok(this.answer);
      this.box.classList.add(right ? "right" : "wrong");
      text = fill(s[right ? "player.predict.right" : "player.predict.wrong"], { truth: truth.text, answer: this.shown });
    }
    this.verdict.replaceChildren(...withCode(text));
    this.player.showSummary();
    // The page's explanation of the ending waited for this (templates/scenario.html).
    const page = this.player.root.ownerDocument;
    for (const node of page.querySelectorAll("[data-after-predict]")) node.hidden = false;
    for (const node of page.querySelectorAll("[data-before-predict]")) node.hidden = true;
  }
}
