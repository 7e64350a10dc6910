// The player: loads a run, then plays, pauses, steps and scrubs through its events while the
// lanes, the code panel, the narration and the summary follow the playhead.

import { buildModel, countUpTo, decimal, indexAtTime, label, lineAt, lostAt, segmentAt, threadName, useDecimalMark } from "./model.js";
import { Lanes } from "./lanes.js";
import { buildLegend, threadColor } from "./palette.js";
import { describeMark, describeRow, describeStallStep, fill, sharedNarration } from "./describe.js";

const SPEEDS = [0.25, 0.5, 1, 2, 4];
const STEP_MS = 250; // one event per step at 1x
const TIME_SLOWDOWN = 10; // at 1x, 1 ms of the threads lasts 10 ms on screen
const LOST_LISTED = 3; // lost updates told in the summary; the narration tells every one

/** An element with attributes (null or undefined ones left out) and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (v !== null && v !== undefined) node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

// Control icons drawn as SVG: the glyphs ⏮ ⏭ ⏸ are missing from many fonts.
const ICONS = {
  restart: "M3 3h2v10H3zM14 3v10L6 8z",
  back: "M12 3v10L4 8z",
  play: "M4 3v10l9-5z",
  pause: "M4 3h3v10H4zM9 3h3v10H9z",
  forward: "M4 3v10l8-5zM12 3h2v10h-2z",
  end: "M2 3v10l8-5zM11 3h2v10h-2z",
};

function icon(name) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", ICONS[name]);
  svg.append(path);
  return svg;
}

// The read/write marks of the lanes, as the legend shows them: hollow, filled, and a write
// crossed out with the arrow from the stale read (shared.js draws them on the canvas).
const MARKS = {
  read: '<path d="M9 3l6 6-6 6-6-6z" fill="#fff" stroke="#37474f" stroke-width="2"/>',
  write: '<path d="M9 3l6 6-6 6-6-6z" fill="#37474f" stroke="#37474f" stroke-width="2"/>',
  lost: '<path d="M19 3l6 6-6 6-6-6z" fill="#37474f"/><path d="M13 3l12 12M13 15l12-12" stroke="#fff" stroke-width="4"/>' +
    '<path d="M13 3l12 12M13 15l12-12" stroke="#a3261b" stroke-width="2.2"/><path d="M1 1c6 0 9 4 10 9" fill="none" stroke="#a3261b" stroke-width="1.8"/><path d="M8 8l3.5 5 2-5.5z" fill="#a3261b"/>',
};

function markIcon(kind) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", kind === "lost" ? "0 0 28 18" : "0 0 18 18");
  svg.setAttribute("class", `mark-${kind}`);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.innerHTML = MARKS[kind];
  return svg;
}

/** Text with `names` in backticks, as nodes: the names become <code>. */
export function withCode(text) {
  return text.split("`").map((part, k) => (k % 2 ? el("code", { text: part }) : document.createTextNode(part)));
}

const ms = (ns) => decimal((ns / 1e6).toFixed(1));

let uids = 0;
/** An id no other element of the page has (a page may hold several players). */
export const uid = (prefix) => `${prefix}-${++uids}`;

function fallbackNarration(model) {
  return model.events
    .filter((e) => !["thread_run", "read", "write"].includes(e.kind)) // accesses: sharedNarration
    .map((e) => ({
      index: e.i,
      text: `${threadName(model, e.thread)}: ${e.kind.replace(/_/g, " ")}${e.obj ? ` ${label(model, e.obj)}` : ""}${e.kind === "print" ? ` «${e.arg}»` : ""}`,
    }));
}

export class Player {
  constructor(root, doc, strings) {
    this.root = root;
    this.strings = strings;
    useDecimalMark(root.dataset.lang || document.documentElement.lang);
    this.model = buildModel(doc);
    this.index = -1;
    this.playing = false;
    this.speed = 1;
    // One event per step by default: sleeps dwarf everything else on a real-time axis.
    // An embed may choose (data-view, data-speed).
    this.view = root.dataset.view === "time" ? "time" : "steps";
    const speed = Number(root.dataset.speed);
    if (SPEEDS.includes(speed)) this.speed = speed;
    this.reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    const analysis = doc.analysis;
    this.analysis = analysis || null;
    this.lostTexts = new Set(this.model.lost.map((u) => u.text).filter(Boolean));
    let told = this.model.narration || fallbackNarration(this.model);
    // A paused run: what Hilos did to pause it is no part of the story.
    if (this.model.pausedAt !== null) told = told.filter((n) => n.index < this.model.pausedAt);
    this.narration = sharedNarration(told, this.model, strings);
    // Where the run's ending (the deadlock closing, the stall found) sits on the timeline.
    this.endingIndex = this.model.events.findIndex((e) => e.kind === "deadlock" || e.kind === "stall");
    root.dataset.outcome = this.model.outcome.status;
    this.build();
    this.lanes.resize();
    this.render();
  }

  build() {
    const s = this.strings;
    // Its headings follow the page's: h2 under the page's h1, deeper where a page says so.
    const level = Number(this.root.closest("[data-heading-level]")?.dataset.headingLevel) || 2;
    this.heading = `h${level}`;
    this.subheading = `h${level + 1}`;
    const button = (name, key) => el("button", { type: "button", "data-action": name, "aria-label": s[key], title: s[key] }, icon(name));
    this.playButton = button("play", "player.play");
    this.scrub = el("input", { type: "range", min: "-1", max: String(this.model.events.length - 1), value: "-1", "aria-label": s["player.scrub"] });
    const speed = el("select", { "aria-label": s["player.speed"], "data-control": "speed" },
      ...SPEEDS.map((v) => el("option", { value: String(v), ...(v === this.speed ? { selected: "" } : {}) }, `${v}×`)));
    const viewOption = (value) => el("option", { value, ...(value === this.view ? { selected: "" } : {}) }, s[`player.view.${value}`]);
    const view = el("select", { "aria-label": s["player.view"], "data-control": "view" }, viewOption("steps"), viewOption("time"));
    // The keys, said to whoever reaches the player or its toolbar (nothing on screen says them).
    const keys = el("p", { class: "visually-hidden", id: uid("player-keys") }, s["player.keys"]);
    const controls = this.controls = el("div", { class: "controls", role: "toolbar", "aria-label": s["player.controls"], "aria-describedby": keys.id },
      button("restart", "player.restart"), button("back", "player.back"), this.playButton,
      button("forward", "player.forward"), button("end", "player.end"), this.scrub,
      el("label", {}, el("span", { class: "control-name" }, `${s["player.speed"]} `), speed),
      el("label", {}, el("span", { class: "control-name" }, `${s["player.view"]} `), view));
    this.clock = el("span", { class: "clock", "aria-hidden": "true" });
    controls.append(this.clock);
    // Its name and its description (the lanes in words at the playhead) come from Lanes.
    this.canvas = el("canvas", { class: "lanes", role: "img" });
    this.tip = el("div", { class: "tip", role: "tooltip", hidden: "" });
    this.legend = buildLegend(this.model, s);
    if (this.model.variables.size) {
      this.legend.append(el("li", { class: "mark" }, markIcon("read"), s["player.legend.read"]),
        el("li", { class: "mark" }, markIcon("write"), s["player.legend.write"]));
    }
    if (this.model.lost.length) this.legend.append(el("li", { class: "mark" }, markIcon("lost"), s["player.legend.lost"]));
    // The picture in words, lane by lane, at the playhead: kept current while it is open.
    this.words = el("ul", {});
    this.wordsBox = el("details", { class: "lanes-words" }, el("summary", {}, s["player.words"]), this.words);
    this.wordsBox.addEventListener("toggle", () => this.renderWords(this.index));
    // Both panels scroll: focusable, so keyboard users can scroll them too.
    this.code = el("ol", { class: "code", tabindex: "0", "aria-label": s["player.code"] },
      ...this.model.trace.source.split("\n").map((line) => el("li", {}, el("code", { text: line || " " }))));
    // The story so far is a plain list (not live: rebuilt, it would be read again from the
    // top); the sentence of the playhead, under the lanes, is the one that is announced.
    this.story = el("ul", { class: "narration", tabindex: "0", "aria-label": s["player.narration"] });
    this.now = el("p", { class: "now" });
    if (!this.root.closest("[data-announce=off]")) this.now.setAttribute("aria-live", "polite");
    this.summary = el("div", { class: "summary" });
    this.summaryTitle = el(this.heading, {}, s["player.summary"]);
    this.ending = this.buildEnding();
    const stage = el("div", { class: "stage" }, this.canvas, this.tip, this.now, this.ending);
    // The key to the picture: under the lanes on a wide screen, after the code on a phone.
    const key = el("div", { class: "key" }, this.legend, this.wordsBox);
    const side = el("div", { class: "side" },
      el(this.heading, {}, s["player.narration"]), this.story, this.summaryTitle, this.summary);
    this.root.replaceChildren(keys, controls, stage, key, el("div", { class: "below" }, this.code, side));
    // A named group, not a tab stop of its own: Tab goes to its controls, and a click anywhere
    // in it focuses it, so that its keys work there too.
    this.root.setAttribute("role", "group");
    this.root.setAttribute("aria-label", s["player.name"]);
    this.root.setAttribute("aria-describedby", keys.id);
    this.root.setAttribute("aria-keyshortcuts", "Space ArrowLeft ArrowRight Home End");
    this.root.tabIndex = -1;
    this.lanes = new Lanes(this.canvas, this.model, this.strings);
    this.lanes.setView(this.view);

    controls.addEventListener("click", (ev) => {
      const action = ev.target.closest("button")?.dataset.action;
      if (action) this.act(action);
    });
    this.scrub.addEventListener("input", () => this.seek(Number(this.scrub.value)));
    speed.addEventListener("change", () => (this.speed = Number(speed.value)));
    view.addEventListener("change", () => {
      this.view = view.value;
      this.lanes.setView(view.value);
      this.render();
    });
    this.root.addEventListener("keydown", (ev) => this.key(ev));
    this.canvas.addEventListener("mousemove", (ev) => this.hover(ev));
    this.canvas.addEventListener("mouseleave", () => (this.tip.hidden = true));
    new ResizeObserver(() => {
      this.lanes.resize();
      this.render();
    }).observe(this.canvas);
    this.renderSummary();
  }

  /** Until unlock(): no playing, stepping or scrubbing, and no summary (predict, then play). */
  lock() {
    this.locked = true;
    this.controls.inert = true;
    this.summary.hidden = true;
    this.summaryTitle.hidden = true;
  }

  unlock() {
    this.locked = false;
    this.controls.inert = false;
  }

  showSummary() {
    this.summary.hidden = false;
    this.summaryTitle.hidden = false;
  }

  act(action) {
    if (this.locked) return;
    const last = this.model.events.length - 1;
    if (action === "play") this.toggle();
    else if (action === "back") this.seek(this.index - 1);
    else if (action === "forward") this.seek(this.index + 1);
    else if (action === "restart") this.seek(-1);
    else if (action === "end") this.seek(last);
  }

  key(ev) {
    const field = ev.target.closest("select, input");
    // The position slider moves with the arrows by itself; Space there plays, as the
    // toolbar promises, instead of scrolling the page.
    if (field && !(field.type === "range" && ev.key === " ")) return;
    // Space on a focused button presses that button, as everywhere else.
    if (ev.key === " " && ev.target.closest("button")) return;
    // In the code and the narration the keys scroll the panel (long lines, long stories).
    if (ev.target.closest(".code, .narration")) return;
    const map = { " ": "play", ArrowLeft: "back", ArrowRight: "forward", Home: "restart", End: "end" };
    const action = map[ev.key];
    if (!action) return;
    ev.preventDefault();
    if (action !== "play") this.pause();
    this.act(action);
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  play() {
    if (this.locked) return;
    if (this.index >= this.model.events.length - 1) this.index = -1;
    this.playing = true;
    this.bringIntoView();
    this.playButton.replaceChildren(icon("pause"));
    this.playButton.setAttribute("aria-label", this.strings["player.pause"]);
    this.playButton.title = this.strings["player.pause"];
    let last = performance.now();
    let clock = this.index >= 0 ? this.model.events[this.index].t : 0;
    let stepDue = 0;
    const frame = (now) => {
      if (!this.playing) return;
      const dt = now - last;
      last = now;
      if (this.view === "steps" || this.reduced) {
        stepDue += dt * this.speed;
        if (stepDue >= STEP_MS) {
          stepDue = 0;
          this.seek(this.index + 1, true);
        }
      } else {
        clock += (dt * this.speed * 1e6) / TIME_SLOWDOWN;
        const target = indexAtTime(this.model, clock);
        if (target !== this.index) this.seek(target, true);
      }
      if (this.index >= this.model.events.length - 1) this.pause();
      else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  pause() {
    this.playing = false;
    this.playButton.replaceChildren(icon("play"));
    this.playButton.setAttribute("aria-label", this.strings["player.play"]);
    this.playButton.title = this.strings["player.play"];
  }

  seek(index, fromPlayback = false) {
    const last = this.model.events.length - 1;
    this.index = Math.max(-1, Math.min(last, index));
    if (!fromPlayback) this.pause();
    this.render();
    // Stepping onto a read or write shows its mark's tooltip, as hovering it does.
    const access = this.model.accesses[countUpTo(this.model.accesses, "i", this.index) - 1];
    if (!fromPlayback && access && access.i === this.index) {
      const text = describeMark(this.model, this.strings, { access, lost: lostAt(this.model, access.i, access.i) });
      // Under the lanes, so that it covers none of what it explains.
      this.showTip(text, this.lanes.x(access.i, access.t) - 24, this.lanes.axisY + 6);
    } else this.tip.hidden = true;
  }

  render() {
    const i = this.index;
    this.lanes.draw(i);
    this.scrub.value = String(i);
    const ev = this.model.events[Math.max(0, i)];
    this.clock.textContent = `${i + 1}/${this.model.events.length} · ${ms(i >= 0 ? ev.t : 0)} ms`;
    this.root.dataset.index = String(i);
    this.renderCode(i);
    this.renderStory(i);
    this.renderWords(i);
    this.ending.hidden = !(this.endingIndex >= 0 && i >= this.endingIndex);
    if (this.onEnd && i === this.model.events.length - 1) this.onEnd();
  }

  /** The deadlock cycle or the stall set, in words: shown when the playhead reaches it. */
  buildEnding() {
    const s = this.strings;
    const { model } = this;
    const outcome = model.outcome;
    const box = el("div", { class: "ending", role: "status", hidden: "" });
    const name = (tid) => threadName(model, tid);
    if (outcome.status === "deadlock" && outcome.cycle) {
      box.classList.add("cycle");
      const steps = outcome.cycle.map((step) =>
        el("li", {}, step.object
          ? fill(s["player.cycle.step"], { thread: name(step.thread), object: label(model, step.object), holder: name(step.holder) })
          : fill(s["player.cycle.join"], { thread: name(step.thread), holder: name(step.holder) })));
      box.append(el("strong", {}, s["player.cycle"]), el("ol", {}, ...steps));
    } else if (outcome.status === "stalled" && outcome.waiting) {
      box.classList.add("stall");
      const steps = outcome.waiting.map((w) =>
        el("li", {}, describeStallStep(model, s, w)));
      box.append(el("strong", {}, s["player.stall"]), el("ul", {}, ...steps));
    }
    return box;
  }

  renderCode(i) {
    const marks = new Map();
    if (i >= 0) {
      this.model.threads.forEach((th, k) => {
        const line = lineAt(this.model, k, i);
        const seg = segmentAt(this.model.segments[k], i);
        if (line && seg && seg.state !== "finished") {
          if (!marks.has(line)) marks.set(line, []);
          marks.get(line).push(k);
        }
      });
    }
    [...this.code.children].forEach((li, n) => {
      const lanes = marks.get(n + 1);
      li.classList.toggle("current", Boolean(lanes));
      li.style.borderLeftColor = lanes ? threadColor(lanes[0]) : "";
      li.dataset.threads = lanes ? lanes.map((k) => this.model.threads[k].name).join(", ") : "";
    });
    // The line of the thread that made this step, else the first marked one.
    const actor = i >= 0 ? this.model.lane.get(this.model.events[i].thread) : undefined;
    const own = actor !== undefined ? lineAt(this.model, actor, i) : 0;
    const line = (marks.has(own) && own) || [...marks.keys()].sort((a, b) => a - b)[0];
    const shown = line ? this.code.children[line - 1] : null;
    for (const li of this.code.querySelectorAll("li.actor")) if (li !== shown) li.classList.remove("actor");
    if (shown) {
      shown.classList.add("actor");
      this.showLine(shown);
    }
  }

  /** Scroll the code panel (never the page) so that `li`, the line of the playhead, is near
   *  its top, a line of context above it: the part of the panel nearest the lanes. */
  showLine(li) {
    const box = this.code;
    const row = parseFloat(getComputedStyle(li).lineHeight) || 20; // one line (a wrapped one has several)
    const context = row * 1.2;
    const room = Math.min(box.clientHeight, 5 * row);
    if (li.offsetTop - context < box.scrollTop || li.offsetTop + li.offsetHeight > box.scrollTop + Math.max(room, li.offsetHeight + context)) {
      box.scrollTop = Math.max(0, li.offsetTop - context);
    }
  }

  /** Pressing play brings the player into view when the lanes, the sentence under them or the
   *  code are not: only this document scrolls (in an embed, never the course page around it). */
  bringIntoView() {
    const rect = this.root.getBoundingClientRect();
    const code = this.code.getBoundingClientRect();
    // In view: the player's top, and enough of the code panel to hold the playhead's line; in
    // a frame (often 520 px, too short for the code) the lanes and the sentence under them.
    const framed = document.body.classList.contains("embed");
    const needed = framed ? this.now.getBoundingClientRect().bottom : code.top + Math.min(code.height, 120);
    if (rect.top >= 0 && needed <= window.innerHeight) return;
    const behavior = this.reduced ? "auto" : "smooth";
    window.scrollTo({ top: Math.max(0, window.scrollY + rect.top - 8), behavior });
  }

  renderWords(i) {
    if (!this.wordsBox.open) return;
    this.words.replaceChildren(...this.lanes.describeAt(i).map((text) => el("li", {}, text.replace(/`/g, ""))));
  }

  renderStory(i) {
    // How many sentences are due at the playhead (binary search: narrations can be long).
    const all = this.narration;
    const lo = countUpTo(all, "index", i);
    if (lo === this.storyCount) return;
    this.storyCount = lo;
    if (!lo) {
      this.story.replaceChildren(el("li", { class: "hint" }, this.strings["player.start"]));
      this.now.replaceChildren(el("span", { class: "hint" }, this.strings["player.start"]));
      this.now.style.borderLeftColor = "";
      return;
    }
    // Under the lanes: the sentence of the playhead, alone (a screen reader hears just it).
    const current = all[lo - 1];
    const at = this.model.events[current.index];
    this.now.replaceChildren(el("time", {}, `${ms(at.t)} ms`), " ", ...withCode(current.text));
    this.now.classList.toggle("lost", Boolean(current.lost || this.lostTexts.has(current.text)));
    const lane = this.model.lane.get(at.thread);
    this.now.style.borderLeftColor = lane === undefined ? "" : threadColor(lane);
    this.story.replaceChildren(...all.slice(Math.max(0, lo - 100), lo).map((n) => {
      const ev = this.model.events[n.index];
      const item = el("li", { "data-index": String(n.index) }, el("time", {}, `${ms(ev.t)} ms`), ...withCode(n.text));
      if (n.lost || this.lostTexts.has(n.text)) item.classList.add("lost");
      const lane = this.model.lane.get(ev.thread);
      if (lane !== undefined) item.style.borderLeftColor = threadColor(lane);
      return item;
    }));
    // Scroll the list itself: scrollIntoView would scroll the page too, and in an embed the
    // course page around the iframe.
    this.story.scrollTop = this.story.scrollHeight;
  }

  renderSummary() {
    const s = this.strings;
    const { model } = this;
    const outcome = model.outcome;
    const stats = this.analysis && this.analysis.stats;
    const blockedOf = (k) => {
      const tid = model.threads[k].id;
      const row = stats && stats.threads.find((r) => r.thread === tid);
      if (row) return row.blocked_ns;
      return model.segments[k].filter((g) => g.state === "blocked").reduce((sum, g) => sum + ((g.tTo ?? model.duration) - g.t), 0);
    };
    const waitedOf = (k) => {
      const row = stats && stats.threads.find((r) => r.thread === model.threads[k].id);
      return row ? row.waiting_ns : 0;
    };
    const blocked = model.threads.map((th, k) => el("li", {},
      fill(s["player.blocked.row"], { thread: th.name, blocked: ms(blockedOf(k)), waiting: ms(waitedOf(k)) })));
    const parts = [
      el("p", { class: `badge outcome-${outcome.status}` }, s[`outcome.${outcome.status}`] || outcome.status),
      el(this.subheading, {}, s["player.blocked"]), el("ul", {}, ...blocked),
    ];
    const longest = stats && stats.longest_wait;
    if (longest) {
      const cut = longest.cut ? ` · ${s["player.longest.cut"]}` : "";
      parts.push(el(this.subheading, {}, s["player.longest"]), el("p", {},
        `${threadName(model, longest.thread)} · ${label(model, longest.object)} · ${fill(s["player.ms"], { ms: ms(longest.ns) })}${cut}`));
    }
    const order = this.analysis && this.analysis.lock_order;
    const lockCount = [...model.objects.values()].filter((o) => o.kind === "Lock" || o.kind === "RLock").length;
    if (order && lockCount >= 2) {
      const found = order.potential_deadlocks;
      parts.push(el(this.subheading, {}, s["player.potential"]), found.length
        ? el("ul", { class: "potential" }, ...found.map((p) => el("li", {}, ...withCode(p.text))))
        : el("p", {}, s["player.potential.none"]));
    }
    // Shared data: what the analysis found, in its words (the picture draws the lost updates).
    if (model.lost.length) {
      // The first few in words (the narration tells each one when it happens), then how many more.
      const shown = model.lost.slice(0, LOST_LISTED).map((u) => el("li", {}, ...withCode(u.text || label(model, u.variable))));
      if (model.lost.length > LOST_LISTED) shown.push(el("li", { class: "more" }, fill(s["player.lost.more"], { n: model.lost.length - LOST_LISTED })));
      parts.push(el(this.subheading, {}, `${s["player.lost.title"]}: ${model.lost.length}`), el("ul", { class: "lost" }, ...shown));
    }
    if (model.races.length) {
      parts.push(el(this.subheading, {}, s["player.races"]), el("ul", { class: "races" }, ...model.races.map((r) => el("li", {}, ...withCode(r.text)))));
    }
    this.summary.replaceChildren(...parts);
  }

  hover(ev) {
    const rect = this.canvas.getBoundingClientRect();
    const hit = this.lanes.hit(ev.clientX - rect.left, ev.clientY - rect.top, this.index);
    if (!hit) {
      this.tip.hidden = true;
      return;
    }
    this.showTip(this.describeHit(hit), ev.clientX - rect.left, ev.clientY - rect.top);
  }

  describeHit(hit) {
    if (hit.text) return hit.text;
    if (hit.access) return describeMark(this.model, this.strings, hit);
    if (hit.row) return describeRow(this.model, this.strings, hit);
    const { seg, lane } = hit;
    let text = `${this.model.threads[lane].name}: ${this.strings[`state.${seg.state}`]}`;
    if (seg.obj) text += ` · ${label(this.model, seg.obj)}`;
    if (seg.kind === "timer") text += ` · ${this.strings["player.timer"]}`;
    if (seg.holder !== undefined && seg.holder !== null) text += ` ← ${threadName(this.model, seg.holder)}`;
    return text;
  }

  /** The tooltip near a point of the canvas, kept inside the player (a phone has no room to
   *  spare on the right). */
  showTip(text, x, y) {
    this.tip.textContent = text.replace(/`/g, "");
    this.tip.hidden = false;
    const room = this.canvas.clientWidth - this.tip.offsetWidth - 2;
    this.tip.style.left = `${Math.max(0, Math.min(x + 12, room))}px`;
    this.tip.style.top = `${y + 12}px`;
  }
}
