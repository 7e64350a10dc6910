// Draws the swimlanes on a canvas: one lane per thread, object lanes under them (locks with
// their holder's name on each band, queues with their count and items, barriers with k of N
// arrived, flags, shared variables last), who waits for whom at the playhead (thread → the lock
// it waits for → its holder), hand-offs, and the marks (stopped by Hilos, a daemon cut off at
// exit, a cancelled Timer). A state is told by its pattern as well as its colour, a thread by its
// name as well as its colour; the palette is checked under colour blindness (tests/test_palette.py).
// `describeAt` is the same picture in words, for screen readers.

import { countUpTo, decimal, holdersAt, indexAtTime, itemsAt, label, segmentAt, showValue, threadName } from "./model.js";
import { describeLanes, fill } from "./describe.js";
import { STATE_STYLE, inkOn, paintMark, patternTile, threadColor } from "./palette.js";
import { drawShared, hitMark, hitRow, paintMarks, paintSteps, stepRow } from "./shared.js";

const LANE_H = 30;
const OBJ_H = 24;
const QUEUE_H = 32;
const VAR_H = 44; // a variable's lane: its read/write marks on top, its values under them
const AXIS_H = 24;
const LINK_WINDOW = 12; // how many events a hand-off arrow stays on screen
const LINK_COLORS = { handoff: "#7a1f14", item: "#5b3f8f", wake: "#8a5a00", join: "#1d1d1f" };
const LABEL_MAX = 150; // room for lane names; narrower on a phone
const PAD = 8;
const CYCLE_FONT = "bold 13px system-ui, sans-serif";
const CYCLE_LINE = 17;
const WAIT_COLOR = "#b12e06";
const CYCLE_COLOR = "#7a0000";
export class Lanes {
  constructor(canvas, model, strings) {
    this.canvas = canvas;
    this.model = model;
    this.strings = strings;
    this.view = "time";
    this.laneH = LANE_H;
    let y = PAD + model.threads.length * LANE_H + 8;
    const rows = [];
    const add = (obj, kind, h, extra = {}) => {
      rows.push({ obj, kind, y, h, ...extra });
      y += h;
      return rows[rows.length - 1];
    };
    for (const [obj, bands] of model.lockBands) {
      const slots = assignSlots(bands);
      add(obj, "lock", Math.max(OBJ_H, 6 + slots * 12), { slots });
    }
    for (const [obj, sizes] of model.queueSizes) {
      stepRow(add(obj, "queue", QUEUE_H), sizes, "queue", QUEUE_H);
      const q = model.queues.get(obj);
      if (q && q.unfinished) stepRow(add(obj, "tasks", OBJ_H + 4, { sub: true }), q.unfinished, "tasks", OBJ_H + 4);
    }
    for (const [obj, barrier] of model.barriers) {
      const row = stepRow(add(obj, "barrier", OBJ_H + 4), barrier.steps, "barrier", OBJ_H + 4);
      row.max = Math.max(row.max, barrier.parties || 1);
    }
    for (const obj of model.flags.keys()) add(obj, "flag", OBJ_H);
    for (const [obj, variable] of model.variables) stepRow(add(obj, "variable", VAR_H), variable.values, "variable", VAR_H);
    this.rows = rows;
    this.rowOf = new Map(rows.filter((r) => !r.sub).map((row) => [row.obj, row]));
    this.axisY = y + 6;
    this.height = this.axisY + AXIS_H + 24;
    this.styles = null;
    this.full = null;
    this.closed = model.events.findIndex((e) => e.kind === "deadlock");
    this.stalled = model.events.findIndex((e) => e.kind === "stall");
    this.links = model.links;
    // The picture in words at the playhead, for screen readers: the canvas's description.
    this.alt = document.createElement("div");
    this.alt.className = "visually-hidden";
    this.alt.id = `lanes-words-${Math.random().toString(36).slice(2, 9)}`;
    canvas.after(this.alt);
    if (strings["player.lanes"]) canvas.setAttribute("aria-label", strings["player.lanes"]);
    canvas.setAttribute("aria-describedby", this.alt.id);
    canvas.tabIndex = 0;
    this.described = null;
  }

  setView(view) {
    this.view = view;
    this.full = null;
  }

  colorOf(tid) {
    return threadColor(this.model.lane.get(tid) ?? 0);
  }

  /** The last event at or before a point's x (the inverse of x()). */
  indexAtX(px) {
    const width = this.width - this.labelW - PAD * 2;
    const frac = Math.min(1, Math.max(0, (px - this.labelW - PAD) / width));
    const n = Math.max(1, this.model.events.length - 1);
    if (this.view === "steps") return Math.floor(frac * n + 1e-9);
    return indexAtTime(this.model, frac * Math.max(1, this.model.duration));
  }

  x(i, t) {
    const width = this.width - this.labelW - PAD * 2;
    const n = Math.max(1, this.model.events.length - 1);
    const frac = this.view === "steps" ? i / n : t / Math.max(1, this.model.duration);
    return this.labelW + PAD + frac * width;
  }

  /** The closed cycle in words, in as many lines as the width needs (names are not cut). */
  cycleLines(ctx) {
    const { model } = this;
    const cycle = model.outcome.cycle;
    if (!cycle || this.closed < 0) return [];
    const parts = cycle.flatMap((s) => [threadName(model, s.thread), s.object ? label(model, s.object) : "join"]);
    parts.push(threadName(model, cycle[0].thread));
    ctx.font = CYCLE_FONT;
    const room = this.width - 2 * PAD;
    const lines = [`${this.strings["outcome.deadlock"]}:`];
    parts.forEach((part, n) => {
      const next = `${lines[lines.length - 1]}${n ? " → " : " "}${part}`;
      if (ctx.measureText(next).width <= room) lines[lines.length - 1] = next;
      else lines.push(`→ ${part}`);
    });
    return lines;
  }

  resize() {
    const ratio = window.devicePixelRatio || 1;
    this.width = this.canvas.clientWidth || 600;
    this.labelW = Math.min(LABEL_MAX, Math.max(80, Math.round(this.width * 0.28)));
    this.cycleText = this.cycleLines(this.canvas.getContext("2d"));
    this.height = this.axisY + AXIS_H + Math.max(8, 8 + CYCLE_LINE * this.cycleText.length);
    this.canvas.width = Math.round(this.width * ratio);
    this.canvas.height = Math.round(this.height * ratio);
    this.canvas.style.height = `${this.height}px`;
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    this.ctx = ctx;
    this.styles = {};
    for (const [state, style] of Object.entries(STATE_STYLE)) {
      this.styles[state] = style.pattern ? ctx.createPattern(patternTile(style.pattern, style.fill), "repeat") : style.fill;
    }
    this.full = null;
  }

  /** Paint the whole run once, off screen: a frame then copies the part left of the playhead.
   *  x grows with the event index (or time), so the run up to event i is exactly that part. */
  paintFull() {
    const { model } = this;
    const ratio = window.devicePixelRatio || 1;
    const full = document.createElement("canvas");
    full.width = this.canvas.width;
    full.height = this.canvas.height;
    const ctx = full.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const last = model.events.length - 1;
    const end = model.events[Math.max(0, last)] || { t: 0 };
    const endX = this.x(last, end.t);
    model.threads.forEach((th, k) => {
      const y = PAD + k * LANE_H;
      let state = null;
      let runX0 = 0;
      let runX1 = -1;
      const flush = () => {
        if (state === null) return;
        const h = state === "finished" ? 4 : LANE_H - 10;
        ctx.fillStyle = this.styles[state];
        ctx.fillRect(runX0, y + (LANE_H - h) / 2, Math.max(2, runX1 - runX0), h);
      };
      for (const seg of model.segments[k]) {
        const x0 = this.x(seg.from, seg.t);
        const x1 = seg.to === null ? endX : this.x(seg.to, seg.tTo);
        // Neighbours in the same state merge, and a segment inside the pixel the run already
        // covers is not drawn: 100 000 events must not mean 100 000 rectangles.
        if (seg.state === state && x0 - runX1 < 1) runX1 = Math.max(runX1, x1);
        else if (x1 <= Math.floor(runX1) + 1 && x1 - x0 < 1) continue;
        else {
          flush();
          state = seg.state;
          runX0 = x0;
          runX1 = x1;
        }
      }
      flush();
    });
    ctx.font = "11px system-ui, sans-serif";
    this.rows.forEach((row) => {
      const { obj, y } = row;
      ctx.fillStyle = "#eef0f2";
      ctx.fillRect(this.labelW + PAD, y + 3, this.width - this.labelW - PAD * 2, row.h - 6);
      if (row.kind === "lock") this.paintBands(ctx, row, endX);
      if (row.steps) paintSteps(this, ctx, row, endX);
      const flags = row.kind === "flag" ? model.flags.get(obj) : null;
      if (flags) {
        ctx.fillStyle = "#c9a400";
        flags.forEach((f, k) => {
          if (!f.on) return;
          const next = flags[k + 1] || { i: last, t: end.t };
          ctx.fillRect(this.x(f.i, f.t), y + 5, Math.max(2, this.x(next.i, next.t) - this.x(f.i, f.t)), row.h - 10);
        });
      }
    });
    paintMarks(this, ctx);
    this.paintAxis(ctx);
    this.full = full;
  }

  /** A lock's holds in the holder's colour, one slot per concurrent holder (a semaphore);
   *  the bands wide enough for the holder's name get it, drawn per frame once reached. */
  paintBands(ctx, row, endX) {
    const { model } = this;
    const slotH = (row.h - 6) / row.slots;
    const widths = new Map(); // a holder's name, measured once
    row.labels = [];
    // Neighbouring bands of one holder in one slot merge, as the lanes' segments do.
    const open = []; // per slot: [thread, x0, x1, first band, last band]
    const flush = (slot) => {
      const run = open[slot];
      if (!run) return;
      const [thread, x0, x1, first, last] = run;
      const top = row.y + 3 + slot * slotH + 1;
      const color = this.colorOf(thread);
      ctx.fillStyle = color;
      ctx.fillRect(x0, top, Math.max(2, x1 - x0), slotH - 2);
      const name = threadName(model, thread);
      if (!widths.has(name)) widths.set(name, ctx.measureText(name).width);
      if (x1 - x0 >= widths.get(name) + 8) {
        row.labels.push({ from: first.from, until: last.to, x0, x1, y: top + (slotH - 2) / 2, text: name, ink: inkOn(color) });
      }
    };
    for (const band of model.lockBands.get(row.obj) || []) {
      const x0 = this.x(band.from, band.t);
      const x1 = band.to === null ? endX : this.x(band.to, band.tTo);
      const run = open[band.slot];
      if (run && run[0] === band.thread && x0 - run[2] < 1) {
        run[2] = Math.max(run[2], x1);
        run[4] = band;
      } else if (run && x1 <= Math.floor(run[2]) + 1 && x1 - x0 < 1) {
        continue; // inside a pixel already drawn
      } else {
        flush(band.slot);
        open[band.slot] = [band.thread, x0, x1, band, band];
      }
    }
    open.forEach((_, slot) => flush(slot));
    row.labels.sort((a, b) => a.from - b.from);
  }

  /** Ticks under the lanes: milliseconds of the run in the time view, event numbers in steps. */
  paintAxis(ctx) {
    const { model } = this;
    const last = model.events.length - 1;
    if (last < 1) return;
    const steps = this.view === "steps";
    const span = steps ? last : model.duration / 1e6;
    const labelOf = (v) => (steps ? `#${v}` : `${decimal(Number(v.toPrecision(6)))} ms`);
    ctx.font = "11px system-ui, sans-serif";
    // As many ticks as labels fit side by side (at most 8): a phone gets fewer.
    const room = this.width - this.labelW - 2 * PAD;
    const widest = ctx.measureText(labelOf(steps ? span : Number(span.toPrecision(3)))).width + 12;
    const raw = span / Math.max(1, Math.min(8, Math.floor(room / widest)));
    const power = 10 ** Math.floor(Math.log10(raw || 1));
    const nice = [1, 2, 5, 10].map((m) => m * power).find((v) => v >= raw) || power * 10;
    const step = steps ? Math.max(1, nice) : nice; // no half events: a short run ticks each one
    const y = this.axisY;
    ctx.strokeStyle = "#8a9096";
    ctx.fillStyle = "#55595e";
    ctx.lineWidth = 1;
    ctx.textBaseline = "top";
    ctx.beginPath();
    ctx.moveTo(this.labelW + PAD, y);
    ctx.lineTo(this.width - PAD, y);
    let free = -Infinity; // where the previous label ended: a label never covers another
    this.axisLabels = []; // [left, right] of each label drawn (the tests check none is cut)
    for (let v = 0; v <= span; v += step) {
      const x = steps ? this.x(v, 0) : this.x(0, v * 1e6);
      ctx.moveTo(x, y);
      ctx.lineTo(x, y + 4);
      const text = labelOf(v);
      const width = ctx.measureText(text).width;
      // Centred on its tick, kept inside the canvas: the last label is never cut.
      const left = Math.max(0, Math.min(x - width / 2, this.width - 2 - width));
      if (left < free) continue;
      ctx.fillText(text, left, y + 6);
      this.axisLabels.push([left, left + width]);
      free = left + width + 6;
    }
    ctx.stroke();
  }

  /** Redraw up to event index `i` (the playhead). */
  draw(i) {
    if (!this.ctx) this.resize();
    if (!this.full) this.paintFull();
    const { ctx, model } = this;
    const ratio = window.devicePixelRatio || 1;
    const ev = model.events[Math.max(0, i)] || { t: 0 };
    const headX = i < 0 ? this.labelW + PAD : this.x(i, ev.t);
    ctx.clearRect(0, 0, this.width, this.height);
    ctx.textBaseline = "middle";
    model.threads.forEach((th, k) => {
      const y = PAD + k * LANE_H;
      ctx.fillStyle = threadColor(k);
      ctx.fillRect(0, y + 4, 6, LANE_H - 8);
      ctx.fillStyle = "#1d1d1f";
      ctx.font = "13px system-ui, sans-serif";
      ctx.fillText(th.name.slice(0, 18), 12, y + LANE_H / 2 - (th.daemon ? 6 : 0));
      if (th.daemon) {
        ctx.font = "italic 10px system-ui, sans-serif";
        ctx.fillStyle = "#55595e";
        ctx.fillText(this.strings["player.daemon"], 12, y + LANE_H / 2 + 8);
      }
    });
    this.rows.forEach((row) => {
      ctx.fillStyle = row.sub ? "#55595e" : "#444";
      ctx.font = row.sub ? "italic 11px system-ui, sans-serif" : "13px system-ui, sans-serif";
      const name = row.sub ? `↳ ${this.strings["player.tasks"]}` : label(model, row.obj);
      ctx.fillText(name.slice(0, 22), row.sub ? 18 : 12, row.y + row.h / 2);
      ctx.fillStyle = "#eef0f2";
      ctx.fillRect(this.labelW + PAD, row.y + 3, this.width - this.labelW - PAD * 2, row.h - 6);
    });
    const x0 = this.labelW;
    const axisTop = this.axisY - 2;
    if (i >= 0 && headX > x0) {
      ctx.drawImage(this.full, x0 * ratio, 0, (headX - x0) * ratio, axisTop * ratio, x0, 0, headX - x0, axisTop);
    }
    // The axis is drawn whole: it says where the run is going.
    ctx.drawImage(this.full, 0, axisTop * ratio, this.full.width, AXIS_H * ratio, 0, axisTop, this.width, AXIS_H);
    this.drawBandLabels(i, headX);
    this.drawLinks(i);
    drawShared(this, i, headX);
    this.drawWaits(i, headX);
    this.drawMarks(i); // on top: a stop sign is never hidden by an arrow
    ctx.strokeStyle = "#1d1d1f";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(headX, 0);
    ctx.lineTo(headX, this.axisY);
    ctx.stroke();
    this.describe(i);
  }

  /** The value a step row shows at the playhead: a queue's count and its items, a barrier's
   *  k of N arrived, a count of unfinished tasks, a variable's value. */
  nowText(row, now, i) {
    const s = this.strings;
    if (row.kind === "queue") {
      const items = itemsAt(this.model, row.obj, i, 4).map((v) => showValue(v, 10));
      const more = now.value > items.length ? ", …" : "";
      return now.value ? `${now.value}: [${items.join(", ")}${more}]` : `0: []`;
    }
    if (row.kind === "barrier") return fill(s["player.barrier.now"], { k: now.value, n: this.model.barriers.get(row.obj).parties ?? "?" });
    if (row.kind === "tasks") return fill(s["player.tasks.now"], { n: now.value });
    return showValue(now.value, 16);
  }

  /** The holder's name on each band the playhead has reached, where it fits so far. */
  drawBandLabels(i, headX) {
    const { ctx } = this;
    ctx.font = "bold 11px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    for (const row of this.rows) {
      if (row.kind !== "lock" || !row.labels) continue;
      const upTo = countUpTo(row.labels, "from", i);
      for (let k = 0; k < upTo; k++) {
        const tag = row.labels[k];
        const right = tag.until !== null && tag.until <= i ? tag.x1 : Math.min(tag.x1, headX);
        const width = ctx.measureText(tag.text).width;
        if (right - tag.x0 < width + 8) continue;
        ctx.fillStyle = tag.ink;
        ctx.fillText(tag.text, tag.x0 + 4, tag.y);
      }
    }
  }

  /** Hilos' stops, daemons cut off at exit, cancelled Timers, once the playhead reaches them. */
  drawMarks(i) {
    const { model } = this;
    for (const mark of model.marks) {
      if (mark.i > i || !model.lane.has(mark.thread)) continue;
      const x = Math.min(this.x(mark.i, mark.t), this.width - PAD - 8);
      paintMark(this.ctx, mark.kind, x, this.laneY(mark.thread));
    }
  }

  /** The hand-offs that just happened (release → acquire, put → get, set → woken, end → join). */
  drawLinks(i) {
    const links = this.links;
    const lo = countUpTo(links, "to", i);
    const { model } = this;
    for (let k = lo - 1; k >= 0 && links[k].to > i - LINK_WINDOW; k--) {
      const link = links[k];
      const a = model.events[link.from];
      const b = model.events[link.to];
      if (!a || !b || a.thread === b.thread) continue;
      this.link(this.x(a.i, a.t), this.laneY(a.thread), this.x(b.i, b.t), this.laneY(b.thread), LINK_COLORS[link.kind] || "#555");
    }
  }

  /** A hand-off: from one lane at one moment to another lane at a later moment. */
  link(x0, y0, x1, y1, color) {
    const { ctx } = this;
    const dir = y1 > y0 ? 1 : -1;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.bezierCurveTo(x0 + 10, y0 + dir * 6, x1 - 10, y1 - dir * 12, x1, y1 - dir * 6);
    ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(x1, y1 - dir * 2);
    ctx.lineTo(x1 - 4, y1 - dir * 9);
    ctx.lineTo(x1 + 4, y1 - dir * 9);
    ctx.fill();
  }

  laneY(tid) {
    return PAD + this.model.lane.get(tid) * LANE_H + LANE_H / 2;
  }

  /** A vertical arrow at x from y0 to y1, its head at y1; dashed for a wait that may end. */
  arrow(x, y0, y1, color, width, dashed) {
    const { ctx } = this;
    const dir = y1 > y0 ? 1 : -1;
    // A white edge keeps each arrow apart from the hatched bars and from its neighbours.
    ctx.strokeStyle = "rgba(255, 255, 255, 0.9)";
    ctx.lineWidth = width + 3;
    ctx.beginPath();
    ctx.moveTo(x, y0);
    ctx.lineTo(x, y1 - dir * 7);
    ctx.stroke();
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = width;
    ctx.setLineDash(dashed ? [5, 3] : []);
    ctx.beginPath();
    ctx.moveTo(x, y0);
    ctx.lineTo(x, y1 - dir * 7);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(x, y1);
    ctx.lineTo(x - 4.5, y1 - dir * 9);
    ctx.lineTo(x + 4.5, y1 - dir * 9);
    ctx.closePath();
    ctx.fill();
  }

  /** Who waits for whom at the playhead: from each blocked thread down to the lock it waits
   *  for, and from that lock up to its holder, each pair at its own x just left of the
   *  playhead; from the deadlock on, the cycle's arrows solid and dark, and the cycle in words. */
  waitsAt(i) {
    const { model } = this;
    const cycle = model.outcome.cycle && this.closed >= 0 && i >= this.closed ? model.outcome.cycle : null;
    const waits = [];
    if (cycle) {
      for (const step of cycle) waits.push({ thread: step.thread, obj: step.object || null, holders: [step.holder], cycle: true });
    }
    model.segments.forEach((segs, k) => {
      const seg = i >= 0 ? segmentAt(segs, i) : null;
      const tid = model.threads[k].id;
      if (!seg || seg.state !== "blocked" || !seg.obj || waits.some((w) => w.thread === tid)) return;
      const holders = holdersAt(model, seg.obj, i).filter((h) => h !== tid || model.objects.get(seg.obj)?.kind === "RLock");
      waits.push({ thread: tid, obj: seg.obj, holders, cycle: false });
    });
    return waits;
  }

  /** Where the n-th wait's arrows stand: just left of the playhead, each at its own x
   *  (closer together on a phone). */
  waitX(n, headX) {
    return Math.max(this.labelW + PAD + 6, headX - 12 - n * (this.width < 600 ? 12 : 18));
  }

  drawWaits(i, headX) {
    const { ctx } = this;
    this.waitsAt(i).forEach((w, n) => {
      const x = this.waitX(n, headX);
      const color = w.cycle ? CYCLE_COLOR : WAIT_COLOR;
      const width = w.cycle ? 2.5 : 2;
      const from = this.laneY(w.thread);
      const row = w.obj ? this.rowOf.get(w.obj) : null;
      if (!row) {
        for (const h of w.holders) if (this.model.lane.has(h)) this.arrow(x, from, this.laneY(h), color, width, !w.cycle);
        return;
      }
      const mid = row.y + row.h / 2;
      this.arrow(x, from, mid - (from < mid ? 5 : -5), color, width, !w.cycle);
      for (const h of w.holders) {
        if (!this.model.lane.has(h)) continue;
        const to = this.laneY(h);
        this.arrow(x + 4, mid + (to < mid ? -5 : 5), to + (to < mid ? 6 : -6), color, width, !w.cycle);
      }
      ctx.beginPath();
      ctx.arc(x + 2, mid, 4, 0, Math.PI * 2);
      ctx.fillStyle = color;
      ctx.fill();
    });
    const waiting = this.model.outcome.status === "stalled" ? this.model.outcome.waiting : null;
    if (waiting && this.stalled >= 0 && i >= this.stalled) {
      ctx.fillStyle = "#8a5300";
      ctx.font = "bold 12px system-ui, sans-serif";
      ctx.textBaseline = "middle";
      const word = this.strings["outcome.stalled"];
      const wide = ctx.measureText(word).width + 18;
      for (const w of waiting) {
        // Left of the playhead, as everything drawn: the right side is the run still to come.
        const x = Math.max(this.labelW + PAD, headX - wide - 24);
        const y = this.laneY(w.thread);
        ctx.fillStyle = "rgba(255, 255, 255, 0.92)";
        ctx.fillRect(x - 3, y - 9, wide + 6, 18);
        ctx.fillStyle = "#8a5300";
        ctx.fillRect(x, y - 6, 3, 12); // a pause sign, drawn: the glyph is missing from many fonts
        ctx.fillRect(x + 5, y - 6, 3, 12);
        ctx.fillText(word, x + 12, y);
      }
    }
    if (this.closed >= 0 && i >= this.closed && this.cycleText.length) {
      ctx.fillStyle = CYCLE_COLOR;
      ctx.font = CYCLE_FONT;
      ctx.textBaseline = "middle";
      this.cycleText.forEach((line, n) => ctx.fillText(line, PAD, this.axisY + AXIS_H + 4 + n * CYCLE_LINE));
    }
  }

  /** The picture at event `i` in words, one sentence per lane (the canvas's description, kept
   *  current here; a player may read it too, e.g. to announce it on demand). */
  describeAt(i) {
    const lines = describeLanes(this.model, this.strings, i);
    const { model } = this;
    for (const mark of model.marks) {
      if (mark.i <= i) lines.push(fill(this.strings[`player.words.mark.${mark.kind}`], { thread: threadName(model, mark.thread) }));
    }
    if (this.closed >= 0 && i >= this.closed && this.cycleText.length) lines.push(this.cycleText.join(" "));
    return lines;
  }

  describe(i) {
    if (this.described === i) return;
    this.described = i;
    const lines = this.describeAt(i);
    this.alt.replaceChildren(...lines.map((text) => {
      const p = document.createElement("p");
      p.textContent = text.replace(/`/g, "");
      return p;
    }));
  }

  /** What is under a point, for the hover explanation: a mark, a read/write mark, a lock band,
   *  a thread's segment, or a step row (a variable, a queue, a barrier) and its value there. */
  hit(px, py, i) {
    const { model, strings } = this;
    for (const mark of model.marks) {
      if (mark.i > i || !model.lane.has(mark.thread)) continue;
      const x = Math.min(this.x(mark.i, mark.t), this.width - PAD - 8);
      if (Math.abs(px - x) <= 8 && Math.abs(py - this.laneY(mark.thread)) <= 9) {
        return { text: fill(strings[`player.words.mark.${mark.kind}`], { thread: threadName(model, mark.thread) }) };
      }
    }
    const mark = hitMark(this, px, py, i);
    if (mark) return mark;
    const lockRow = this.rows.find((r) => r.kind === "lock" && py >= r.y && py < r.y + r.h);
    if (lockRow && px >= this.labelW && i >= 0) {
      const at = Math.min(i, this.indexAtX(px));
      const held = holdersAt(model, lockRow.obj, at).map((t) => threadName(model, t));
      const object = label(model, lockRow.obj);
      return { text: held.length ? fill(strings["player.words.held"], { object, thread: held.join(", ") }) : fill(strings["player.words.free"], { object }) };
    }
    const row = hitRow(this, px, py, i);
    if (row) return row;
    const k = Math.floor((py - PAD) / LANE_H);
    if (k < 0 || k >= model.threads.length || px < this.labelW) return null;
    for (const seg of model.segments[k]) {
      if (seg.from > i) break;
      const x0 = this.x(seg.from, seg.t);
      const x1 = seg.to === null || seg.to > i ? this.width : this.x(seg.to, seg.tTo);
      if (px >= x0 && px <= Math.max(x1, x0 + 3)) return { lane: k, seg };
    }
    return null;
  }
}

/** Gives each band a slot (its row within the lane) so that concurrent holders of a
 *  semaphore never cover one another; returns how many slots the lane needs. */
function assignSlots(bands) {
  const busyUntil = []; // per slot: the event index its band ends at (Infinity: open)
  for (const band of bands) {
    let slot = busyUntil.findIndex((until) => until <= band.from);
    if (slot < 0) slot = busyUntil.length;
    busyUntil[slot] = band.to === null ? Infinity : band.to;
    band.slot = slot;
  }
  return Math.max(1, busyUntil.length);
}

