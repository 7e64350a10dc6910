// Two runs side by side (templates/compare.html): the "Both together" toolbar moves both
// players at once, aligned by step (step k in each, the shorter one waiting at its end) or by
// time (each at its last event before the same moment, in milliseconds of its own run).

import { decimal, indexAtTime } from "./model.js";

const STEP_MS = 250; // as the player: one event per step at 1x
const TIME_SLOWDOWN = 10; // as the player: 1 ms of the threads lasts 10 ms on screen

class Both {
  constructor(bar, players) {
    this.bar = bar;
    this.players = players;
    this.align = "steps";
    this.step = -1;
    this.t = 0;
    this.playing = false;
    this.playButton = bar.querySelector("[data-both=play]");
    this.position = bar.querySelector(".both-position");
    this.lastStep = Math.max(...players.map((p) => p.model.events.length - 1));
    this.end = Math.max(...players.map((p) => this.endOf(p)));
    bar.addEventListener("click", (ev) => {
      const action = ev.target.closest("button")?.dataset.both;
      if (action) this.act(action);
    });
    bar.querySelector("[data-both=align]").addEventListener("change", (ev) => {
      this.align = ev.target.value;
      this.pause();
      this.go(-1, 0);
    });
    // A player moved by its own controls moves "Both together" along (its counter, and where
    // its next step starts from).
    const moved = new MutationObserver(() => this.follow());
    for (const p of players) moved.observe(p.root, { attributes: true, attributeFilter: ["data-index"] });
    bar.hidden = false;
    this.show();
  }

  /** Where the players are, when one of them was moved on its own: by step, the furthest
   *  one's step; by time, the latest moment either shows. Where they are where this toolbar
   *  put them, nothing changes. */
  follow() {
    const at = this.players.map((p) => p.index);
    const put = this.players.map((p) => this.align === "steps"
      ? Math.min(this.step, p.model.events.length - 1)
      : indexAtTime(p.model, this.t));
    if (at.every((i, k) => i === put[k])) return;
    this.pause();
    if (this.align === "steps") this.step = Math.max(...at);
    else this.t = Math.max(0, ...this.players.map((p) => (p.index >= 0 ? p.model.events[p.index].t : 0)));
    this.show();
  }

  endOf(player) {
    const events = player.model.events;
    return events.length ? events[events.length - 1].t : 0;
  }

  /** Every event time of both runs after (or before) `t`: where a step in time lands. */
  nextTime(t, forward) {
    let best = forward ? Infinity : -Infinity;
    for (const p of this.players) {
      for (const e of p.model.events) {
        if (forward && e.t > t && e.t < best) best = e.t;
        if (!forward && e.t < t && e.t > best) best = e.t;
      }
    }
    return Number.isFinite(best) ? best : forward ? this.end : 0;
  }

  act(action) {
    if (action === "play") return this.playing ? this.pause() : this.play();
    this.pause();
    if (this.align === "steps") {
      const to = { restart: -1, back: this.step - 1, forward: this.step + 1, end: this.lastStep }[action];
      this.go(Math.max(-1, Math.min(this.lastStep, to)), this.t);
    } else {
      const to = { restart: 0, back: this.nextTime(this.t, false), forward: this.nextTime(this.t, true), end: this.end }[action];
      this.go(this.step, to);
    }
  }

  go(step, t) {
    this.step = step;
    this.t = t;
    for (const p of this.players) {
      const last = p.model.events.length - 1;
      p.seek(this.align === "steps" ? Math.min(step, last) : indexAtTime(p.model, t), true);
    }
    this.show();
  }

  show() {
    this.position.textContent = this.align === "steps"
      ? `${this.step + 1}/${this.lastStep + 1}`
      : `${decimal((this.t / 1e6).toFixed(1))} ms`;
  }

  play() {
    for (const p of this.players) p.pause();
    if (this.align === "steps" ? this.step >= this.lastStep : this.t >= this.end) this.go(-1, 0);
    this.playing = true;
    this.label("pause");
    let last = performance.now();
    let due = 0;
    const frame = (now) => {
      if (!this.playing) return;
      const dt = now - last;
      last = now;
      if (this.align === "steps") {
        due += dt;
        if (due >= STEP_MS) {
          due = 0;
          this.go(this.step + 1, this.t);
        }
      } else this.go(this.step, Math.min(this.end, this.t + (dt * 1e6) / TIME_SLOWDOWN));
      if (this.align === "steps" ? this.step >= this.lastStep : this.t >= this.end) this.pause();
      else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  pause() {
    this.playing = false;
    this.label("play");
  }

  label(which) {
    const text = this.playButton.dataset[which];
    this.playButton.setAttribute("aria-label", text);
    this.playButton.title = text;
    const path = which === "play" ? "M4 3v10l9-5z" : "M4 3h3v10H4zM9 3h3v10H9z";
    this.playButton.querySelector("path").setAttribute("d", path);
  }
}

function wire() {
  for (const bar of document.querySelectorAll(".both-controls:not([data-wired])")) {
    const roots = [...document.querySelectorAll(".compare-run .player")];
    if (roots.length !== 2 || !roots.every((r) => r.dataset.mounted === "ready" && r.player)) continue;
    bar.dataset.wired = "1";
    bar.both = new Both(bar, roots.map((r) => r.player));
  }
}

new MutationObserver(wire).observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-mounted"] });
wire();
