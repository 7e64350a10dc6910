// "You choose": the reader is the scheduler. At each decision (a step where more than one
// thread could go on) every such thread offers a button with the step it would take; pressing
// one runs the scenario again under control with the choices so far and that one
// (POST /api/schedules: stateless, the choices are the whole state) and the player redraws the
// answer, so the timeline grows with each choice. The address keeps the mode and the choices:
// a schedule is a permalink that replays when opened.

import { encodeChoices, showError, showRun, strings } from "./mount.js";
import { el, withCode } from "./player.js";
import { threadColor } from "./palette.js";
import { fill } from "./describe.js";

const API = "/api/schedules";
const KEPT = 24; // answers kept, so that undo and reset need not ask again
const SAID = 4; // new narration sentences the live region reads after a choice, at most
const TRAIL = 24; // choices the trail lists (then "…" before them)
// The backend's words when a choice does not fit: its number, the name, who could go on.
const MISFIT = /decision (\d+): '(.*)' cannot go on here \(it could be (.*)\)/;


/** `href` with the mode, these choices and `then=run` (or none) in its query. The commas stay
 *  commas: the address is read by people too. */
function withChoices(href, choices, thenRun) {
  const url = new URL(href, location.href);
  const query = url.searchParams;
  query.set("mode", "choose");
  query.delete("choices");
  query.delete("then");
  let search = query.toString();
  if (choices.length) search += `&choices=${encodeChoices(choices)}`;
  if (thenRun) search += "&then=run";
  url.search = search;
  return url.href;
}

/** The step a choice takes, for its button: "`lock_1.acquire()`", "reads `counter`". */
function stepOf(s, option) {
  const o = option.object;
  let text = s[`player.choose.kind.${option.kind}`];
  if (!text || (text.includes("{o}") && !o)) text = `${option.kind.replace(/_/g, " ")}${o ? ` \`${o}\`` : ""}`;
  return fill(text, { o });
}

/** What that step does, in a sentence for screen readers: "asks for lock_1". */
function purposeOf(s, option) {
  const text = s[`player.choose.do.${option.kind}`];
  if (text && (!text.includes("{o}") || option.object)) return fill(text, { o: option.object });
  return stepOf(s, option).replace(/`/g, "");
}

class Chooser {
  constructor(root) {
    this.root = root;
    this.s = strings();
    const data = root.dataset;
    // A scenario by its id and values, or a program someone wrote (its source and values).
    this.request = data.request
      ? { ...JSON.parse(data.request), lang: data.lang }
      : { scenario: data.scenario, lang: data.lang, params: JSON.parse(data.params || "{}") };
    this.choices = JSON.parse(data.choices || "[]");
    this.thenRun = data.then === "run";
    this.answers = new Map();
    this.otherThreads = new Map(); // language -> the threads of a run in it (see translate)
    this.busy = false;
    this.doc = null;
    this.player = null;
    this.build();
    this.go(this.choices, this.thenRun, { opening: true });
  }

  build() {
    const s = this.s;
    const id = `choose-${Math.random().toString(36).slice(2, 8)}`;
    this.goal = el("p", { class: "goal", hidden: "" });
    this.heading = el("h3", { id: `${id}-next`, class: "choose-next" });
    this.verdict = el("p", { class: "verdict", hidden: "" });
    this.list = el("ol", { class: "choices", "aria-labelledby": this.heading.id });
    const action = (name) => el("button", { type: "button", "data-choose": name, title: s[`player.choose.${name}.title`] }, s[`player.choose.${name}`]);
    this.undoButton = action("undo");
    this.runButton = action("run");
    this.resetButton = action("reset");
    this.indicator = el("span", { class: "indicator", "aria-hidden": "true" }, s["player.choose.running"]);
    this.error = el("div", { class: "choose-error", role: "alert" });
    this.trail = el("p", { class: "trail" });
    this.live = el("p", { class: "visually-hidden", role: "status" });
    this.descriptions = el("div", { hidden: "" });
    // Right under the lanes, inside the player: the buttons sit by the run they change.
    this.bar = el("div", { class: "choose-bar", "aria-labelledby": this.heading.id, role: "group" },
      this.heading, this.verdict, this.list,
      el("p", { class: "choose-actions" }, this.undoButton, this.runButton, this.resetButton, this.indicator),
      this.error, this.trail, this.live, this.descriptions);
    // Until the first answer the bar stands alone (it says why, should that answer fail).
    this.heading.textContent = s["player.choose.next"];
    for (const button of [this.undoButton, this.runButton, this.resetButton]) button.disabled = true;
    this.stage = this.newStage();
    this.stage.hidden = true;
    this.root.replaceChildren(this.goal, this.bar, this.stage);
    this.root.dataset.state = "loading";

    this.list.addEventListener("click", (ev) => {
      const button = ev.target.closest("button[data-thread]");
      if (button) this.choose(button.dataset.thread);
    });
    this.bar.querySelector(".choose-actions").addEventListener("click", (ev) => {
      const name = ev.target.closest("button[data-choose]")?.dataset.choose;
      if (name === "undo") this.undo();
      else if (name === "run") this.go(this.choices, true);
      else if (name === "reset") this.go([], false);
    });
  }

  /** An empty player box, with the view options the reader (or the embed) chose. */
  newStage() {
    const data = this.root.dataset;
    const old = this.player;
    return el("div", {
      class: "player",
      "data-lang": data.lang,
      "data-view": old ? old.view : data.view,
      "data-speed": old ? String(old.speed) : data.speed,
      "data-controls": data.controls,
    });
  }

  choose(name) {
    if (this.busy || !this.doc || this.status() !== "paused") return;
    this.go([...this.choices, name], false);
  }

  undo() {
    if (this.thenRun) this.go(this.choices, false); // back to where "let it run" was pressed
    else if (this.choices.length) this.go(this.choices.slice(0, -1), false);
  }

  status() {
    return (this.doc.outcome || this.doc.trace.outcome).status;
  }

  /** Show the run that these choices make: from memory, or from the server. */
  async go(choices, thenRun, how = {}) {
    if (this.busy) return;
    const key = `${encodeChoices(choices)}${thenRun ? "|run" : ""}`;
    let doc = this.answers.get(key);
    if (!doc) {
      this.setBusy(true);
      const retry = () => this.go(choices, thenRun, how);
      let answer;
      try {
        answer = await fetch(API, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ ...this.request, choices, run_to_end: thenRun }),
        });
        if (answer.ok) doc = await answer.json();
      } catch {
        this.setBusy(false);
        this.fail(this.s["player.choose.error.network"], retry);
        return;
      }
      this.setBusy(false);
      if (!doc) {
        await this.refused(answer, choices, how, retry);
        return;
      }
      this.answers.set(key, doc);
      if (this.answers.size > KEPT) this.answers.delete(this.answers.keys().next().value);
    }
    if (!how.keepError) this.error.replaceChildren();
    this.show(doc, choices, thenRun, how);
  }

  /** Why the server ran nothing, in the page's words; what is on screen stays. */
  async refused(answer, choices, how, retry) {
    const s = this.s;
    let detail = "";
    try {
      detail = (await answer.json()).detail;
    } catch {
      detail = "";
    }
    if (answer.status === 429) {
      this.fail(fill(s["player.choose.error.busy"], { s: answer.headers.get("Retry-After") || "5" }), retry);
      return;
    }
    const misfit = answer.status === 422 && typeof detail === "string" ? MISFIT.exec(detail) : null;
    if (misfit) {
      const n = Number(misfit[1]);
      let text = fill(s["player.choose.error.fit"], { n, thread: misfit[2], ready: misfit[3] });
      // An address whose choices stop fitting (edited by hand, another version of the
      // program): show where they still fit, and say so.
      if (how.opening && n - 1 < choices.length) {
        text += ` ${fill(s["player.choose.error.kept"], { n: n - 1 })}`;
        this.fail(text);
        this.go(choices.slice(0, n - 1), false, { opening: true, keepError: true });
        return;
      }
      this.fail(text);
      return;
    }
    const said = typeof detail === "string" && detail ? detail : `${answer.status} ${answer.statusText}`;
    this.fail(fill(s["player.choose.error.bad"], { detail: said }), answer.status >= 500 ? retry : null);
  }

  fail(text, retry = null) {
    showError(this.error, text, this.s["player.choose.retry"], retry);
    if (!this.doc) this.root.dataset.state = "error";
  }

  setBusy(on) {
    this.busy = on;
    this.root.setAttribute("aria-busy", String(on));
    this.indicator.classList.toggle("on", on);
    for (const button of this.list.querySelectorAll("button")) button.setAttribute("aria-disabled", String(on));
    if (on) this.root.dataset.state = "busy";
  }

  /** Draw an answer: a new player over it (playhead at its end), the buttons, the goal. */
  show(doc, choices, thenRun, how) {
    const focus = this.focusWithin();
    const before = this.player ? this.player.model.events.length : 0;
    const wordsOpen = this.player ? this.player.wordsBox.open : false;
    const stage = this.newStage();
    this.stage.replaceWith(stage);
    this.stage = stage;
    this.doc = doc;
    this.choices = choices;
    this.thenRun = thenRun;
    this.player = showRun(stage, doc);
    this.player.wordsBox.open = wordsOpen;
    stage.querySelector(".stage .tip").after(this.bar);
    this.player.seek(this.player.model.events.length - 1);
    this.renderGoal();
    this.renderChoices();
    this.renderTrail();
    this.remember();
    this.restoreFocus(focus);
    this.root.dataset.state = "ready";
    this.root.dataset.choices = encodeChoices(choices);
    this.root.dataset.count = String(choices.length);
    if (!how.opening) this.announce(before);
  }

  renderChoices() {
    const s = this.s;
    const status = this.status();
    const paused = status === "paused";
    const schedule = this.doc.schedule || { choices: [], next: [] };
    const next = paused ? schedule.next || [] : [];
    this.heading.textContent = paused
      ? `${s["player.choose.next"]} · ${fill(s["player.choose.decision"], { n: (schedule.choices || this.choices).length + 1 })}`
      : s[`player.choose.over.${status}`] || fill(s["player.choose.over"], { outcome: s[`outcome.${status}`] || status });
    this.heading.classList.toggle("over", !paused);
    this.descriptions.replaceChildren();
    this.list.replaceChildren(...next.map((option, k) => el("li", {}, this.choiceButton(option, k))));
    this.list.hidden = !next.length;
    const chosen = this.choices.length > 0 || this.thenRun;
    this.undoButton.disabled = !chosen;
    this.resetButton.disabled = !chosen;
    this.runButton.disabled = !paused;
  }

  choiceButton(option, k) {
    const s = this.s;
    const n = k + 1;
    const lane = this.player.model.threads.findIndex((th) => th.name === option.thread);
    const line = option.line ? fill(s["player.words.line"], { line: option.line }) : "";
    const id = `${this.heading.id}-${n}`;
    // What the button does, in a sentence: the button's own text is terse ("lock_1.acquire()").
    const later = option.later ? s["player.choose.later"] : "";
    const says = [`${option.thread}: ${purposeOf(s, option)}`, later, line, n <= 9 ? fill(s["player.choose.key"], { n }) : ""];
    this.descriptions.append(el("span", { id }, says.filter(Boolean).join(" · ")));
    const button = el("button", {
      type: "button", class: "choice", "data-thread": option.thread, "data-kind": option.kind,
      "data-later": option.later ? "1" : null,
      "aria-describedby": id, "aria-keyshortcuts": n <= 9 ? String(n) : null,
    }, n <= 9 ? el("kbd", { "aria-hidden": "true" }, String(n)) : "",
    el("span", { class: "who" }, option.thread), ": ", ...withCode(stepOf(s, option)),
    later ? el("span", { class: "line" }, ` (${later})`) : "",
    line ? el("span", { class: "line" }, ` · ${line}`) : "");
    button.style.setProperty("--lane", threadColor(lane >= 0 ? lane : k));
    return button;
  }

  renderGoal() {
    const s = this.s;
    const goal = this.doc.goal;
    const status = this.status();
    this.goal.hidden = !(goal && goal.text);
    if (goal && goal.text) this.goal.replaceChildren(el("strong", {}, `${s["player.choose.goal"]}: `), ...withCode(goal.text));
    let verdict = "";
    let kind = "";
    if (goal && goal.reached) {
      verdict = s["player.choose.goal.reached"];
      kind = "reached";
    } else if (goal && goal.impossible && status !== "paused") {
      const specific = status === "completed" && s[`player.choose.goal.impossible.${goal.kind}`];
      verdict = specific || fill(s["player.choose.goal.impossible"], { outcome: s[`outcome.${status}`] || status });
      kind = "impossible";
    } else if (goal && goal.text && status !== "paused") {
      // Over without the goal, which another order reaches: say so, and how to go on.
      verdict = status === "completed"
        ? s["player.choose.goal.missed"]
        : fill(s["player.choose.goal.missed.other"], { outcome: s[`outcome.${status}`] || status });
      kind = "missed";
    }
    this.verdict.hidden = !verdict;
    this.verdict.textContent = verdict;
    this.verdict.className = `verdict ${kind}`;
    this.root.dataset.goal = kind;
  }

  renderTrail() {
    const s = this.s;
    const names = this.choices;
    if (!names.length && !this.thenRun) {
      this.trail.replaceChildren(s["player.choose.trail.none"]);
      return;
    }
    const taken = ((this.doc.schedule && this.doc.schedule.choices) || names).length;
    if (!names.length) {
      this.trail.replaceChildren(fill(s["player.choose.trail.alone"], { n: taken }));
      return;
    }
    const runs = [];
    for (const name of names) {
      const last = runs[runs.length - 1];
      if (last && last.name === name) last.n++;
      else runs.push({ name, n: 1 });
    }
    const shown = runs.slice(-TRAIL).map((r) => (r.n > 1 ? `${r.name} ×${r.n}` : r.name));
    const parts = [el("strong", {}, fill(s["player.choose.trail"], { n: names.length })), " ",
      `${runs.length > TRAIL ? "… → " : ""}${shown.join(" → ")}`];
    if (this.thenRun) parts.push(`; ${fill(s["player.choose.trail.auto"], { n: Math.max(0, taken - names.length) })}`);
    this.trail.replaceChildren(...parts);
  }

  /** Say what the last choice did: the new sentences of the narration, then what now. */
  announce(from) {
    const s = this.s;
    const end = this.player.model.events.length;
    const told = this.player.narration.filter((n) => n.index >= from && n.index < end).slice(-SAID).map((n) => n.text.replace(/`/g, ""));
    const paused = this.status() === "paused";
    const next = paused ? (this.doc.schedule && this.doc.schedule.next) || [] : [];
    const now = paused ? fill(s["player.choose.live.next"], { n: next.length }) : this.heading.textContent;
    const verdict = this.verdict.hidden ? "" : this.verdict.textContent;
    this.live.textContent = [...told, verdict, now].filter(Boolean).join(" ");
  }

  /** The address (and the embed's "Open in Hilos", and the other language) follow. */
  remember() {
    const here = withChoices(location.href, this.choices, this.thenRun);
    if (here !== location.href) history.replaceState(history.state, "", here);
    const open = document.querySelector("a[data-open]");
    if (open) open.href = withChoices(open.href, this.choices, this.thenRun);
    for (const link of document.querySelectorAll(".langs a[hreflang]")) this.translate(link);
  }

  /** Thread names are the program's, and differ by language (Hilo-1, Thread-1): the other
   *  language's link carries the choices in its names, matched by thread number with a run
   *  in that language (asked once, when the link is about to be used). */
  async translate(link, fetchIfMissing = false) {
    const other = link.hreflang;
    link.dataset.base ||= link.href;
    let threads = this.otherThreads.get(other);
    if (!threads && fetchIfMissing && this.choices.length && !this.translating) {
      this.translating = true;
      try {
        const answer = await fetch(API, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ ...this.request, lang: other, choices: [], run_to_end: true }),
        });
        if (answer.ok) threads = (await answer.json()).trace.threads;
      } catch {
        threads = null;
      } finally {
        this.translating = false;
      }
      if (threads) this.otherThreads.set(other, threads);
    }
    if (!threads || !this.player) {
      link.href = withChoices(link.dataset.base, [], false);
      return;
    }
    const ids = new Map(this.player.model.threads.map((th) => [th.name, th.id]));
    const names = new Map(threads.map((th) => [th.id, th.name]));
    const there = [];
    for (const name of this.choices) {
      const translated = names.get(ids.get(name));
      if (translated === undefined) break;
      there.push(translated);
    }
    link.href = withChoices(link.dataset.base, there, this.thenRun && there.length === this.choices.length);
  }

  focusWithin() {
    const active = document.activeElement;
    if (!active || !this.root.contains(active)) return null;
    const choice = active.closest("button[data-thread]");
    if (choice) return { choice: [...this.list.querySelectorAll("button")].indexOf(choice) };
    const action = active.closest("button[data-choose]");
    if (action) return { action: action.dataset.choose };
    if (this.stage.contains(active)) return { player: true };
    return null;
  }

  /** Focus where it was: the button in the same place, else the nearest thing still usable. */
  restoreFocus(focus) {
    if (!focus) return;
    const choices = [...this.list.querySelectorAll("button")];
    const usable = [...choices, this.undoButton, this.runButton, this.resetButton].filter((b) => !b.disabled);
    let target = null;
    if (focus.choice !== undefined) target = choices[Math.min(focus.choice, choices.length - 1)] || null;
    else if (focus.action) target = this.bar.querySelector(`button[data-choose="${focus.action}"]:not(:disabled)`);
    else if (focus.player) target = this.stage;
    (target || usable[0] || this.stage).focus();
  }

  /** A number key: the n-th thread's button. */
  press(n) {
    const button = this.list.querySelectorAll("button")[n - 1];
    if (!button) return false;
    button.focus();
    this.choose(button.dataset.thread);
    return true;
  }
}

function current() {
  const root = [...document.querySelectorAll(".chooser[data-mounted]")].find((node) => node.chooser);
  return root ? root.chooser : null;
}

document.addEventListener("keydown", (ev) => {
  if (ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey || !/^[1-9]$/.test(ev.key)) return;
  // Typing stays typing, also in the program editor (whose text is inside a shadow root).
  const target = ev.composedPath()[0] || ev.target;
  if (target.closest && target.closest("input, select, textarea, [contenteditable]")) return;
  const chooser = current();
  if (chooser && chooser.press(Number(ev.key))) ev.preventDefault();
});

// The other language's link: its names are looked up when it is about to be followed.
for (const type of ["pointerover", "focusin", "touchstart"]) {
  document.addEventListener(type, (ev) => {
    const link = ev.target.closest && ev.target.closest(".langs a[hreflang]");
    const chooser = link && current();
    if (chooser) chooser.translate(link, true);
  }, { passive: true });
}

function mountAll() {
  document.querySelectorAll(".chooser:not([data-mounted])").forEach((root) => {
    root.dataset.mounted = "1";
    root.chooser = new Chooser(root);
  });
}

new MutationObserver(mountAll).observe(document.documentElement, { childList: true, subtree: true });
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
else mountAll();
