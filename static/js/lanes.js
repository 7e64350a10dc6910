// Draws the swimlanes on a canvas: one lane per thread, object lanes under them (shared
// variables last), wait-for arrows at the playhead, hand-offs, and the deadlock cycle closed.
// States differ by colour and by pattern, so colour never carries the meaning alone.

import { countUpTo, decimal, indexAtTime, label, segmentAt, threadName } from "./model.js";
import { drawShared, hitMark, hitRow, paintMarks, paintSteps, stepRow } from "./shared.js";

const LANE_H = 30;
const OBJ_H = 22;
const VAR_H = 44; // a variable's lane: its read/write marks on top, its values under them
const AXIS_H = 20;
const LINK_WINDOW = 12; // how many events a hand-off arrow stays on screen
const LINK_COLORS = { handoff: "#7a1f14", item: "#5b3f8f", wake: "#8a5a00", join: "#1d1d1f" };
const LABEL_MAX = 150; // room for lane names; narrower on a phone
const PAD = 8;
const CYCLE_FONT = "bold 13px system-ui, sans-serif";
const CYCLE_LINE = 17;
export const THREAD_COLORS = ["#1b6ca8", "#b5431f", "#2f7d32", "#7a3ea1", "#a06b00", "#00727a", "#9c2b5b", "#4d5b00"];
const STATE_STYLE = {
  running: { fill: "#3f8f4f", pattern: null },
  // Holds the lock it was handed, but waits for the interpreter to run again.
  ready: { fill: "#5c9c68", pattern: "vertical" },
  blocked: { fill: "#c0392b", pattern: "diagonal" },
  waiting: { fill: "#d68910", pattern: "dots" },
  sleeping: { fill: "#2e6fa7", pattern: "lines" },
  finished: { fill: "#9aa0a6", pattern: null },
};

export function threadColor(k) {
  return THREAD_COLORS[k % THREAD_COLORS.length];
}

function makePattern(ctx, kind, fill) {
  const tile = document.createElement("canvas");
  tile.width = tile.height = 8;
  const c = tile.getContext("2d");
  c.fillStyle = fill;
  c.fillRect(0, 0, 8, 8);
  c.strokeStyle = "rgba(255,255,255,0.75)";
  c.fillStyle = "rgba(255,255,255,0.8)";
  c.lineWidth = 2;
  if (kind === "diagonal") {
    c.beginPath();
    c.moveTo(0, 8);
    c.lineTo(8, 0);
    c.stroke();
  } else if (kind === "dots") {
    c.beginPath();
    c.arc(4, 4, 1.5, 0, Math.PI * 2);
    c.fill();
  } else if (kind === "lines") {
    c.fillRect(0, 3, 8, 2);
  } else if (kind === "vertical") {
    c.fillRect(3, 0, 2, 8);
  }
  return ctx.createPattern(tile, "repeat");
}

export class Lanes {
  constructor(canvas, model, strings) {
    this.canvas = canvas;
    this.model = model;
    this.strings = strings;
    this.view = "time";
    this.laneH = LANE_H;
    this.objectRows = [...model.lockBands.keys(), ...model.queueSizes.keys(), ...model.flags.keys(), ...model.variables.keys()];
    let y = PAD + model.threads.length * LANE_H + 8;
    this.rows = this.objectRows.map((obj) => {
      const h = model.variables.has(obj) ? VAR_H : OBJ_H;
      const row = { obj, y, h };
      const sizes = model.queueSizes.get(obj);
      if (sizes) stepRow(row, sizes.map((q) => ({ i: q.i, t: q.t, value: q.size })), "queue", h);
      if (model.variables.has(obj)) stepRow(row, model.variables.get(obj).values, "variable", h);
      y += h;
      return row;
    });
    this.rowOf = new Map(this.rows.map((row) => [row.obj, row]));
    this.axisY = y + 6;
    this.height = this.axisY + AXIS_H + 24;
    this.styles = null;
    this.full = null;
    this.closed = model.events.findIndex((e) => e.kind === "deadlock");
    this.stalled = model.events.findIndex((e) => e.kind === "stall");
    const analysis = model.doc && model.doc.analysis;
    this.links = (analysis && analysis.links ? analysis.links : model.links).slice().sort((a, b) => a.to - b.to);
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
    this.height = this.axisY + AXIS_H + Math.max(24, 8 + CYCLE_LINE * this.cycleText.length);
    this.canvas.width = Math.round(this.width * ratio);
    this.canvas.height = Math.round(this.height * ratio);
    this.canvas.style.height = `${this.height}px`;
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    this.ctx = ctx;
    this.styles = {};
    for (const [state, style] of Object.entries(STATE_STYLE)) {
      this.styles[state] = style.pattern ? makePattern(ctx, style.pattern, style.fill) : style.fill;
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
    model.threads.forEach((th, k) => {
      const y = PAD + k * LANE_H;
      let state = null;
      let runX0 = 0;
      let runX1 = -1;
      const flush = () => {
        if (state === null) return;
        const h = state === "finished" ? 4 : LANE_H - 10;
        ctx.fillStyle = this.styles[state];
        const width = state === "finished" ? this.width - runX0 - PAD : Math.max(2, runX1 - runX0);
        ctx.fillRect(runX0, y + (LANE_H - h) / 2, width, h);
      };
      for (const seg of model.segments[k]) {
        const x0 = this.x(seg.from, seg.t);
        const x1 = seg.to === null ? this.x(last, end.t) : this.x(seg.to, seg.tTo);
        // Neighbours in the same state merge: 100 000 events must not mean 100 000 rectangles.
        if (seg.state === state && x0 - runX1 < 1) runX1 = Math.max(runX1, x1);
        else {
          flush();
          state = seg.state;
          runX0 = x0;
          runX1 = x1;
        }
      }
      flush();
    });
    this.rows.forEach((row) => {
      const { obj, y } = row;
      ctx.fillStyle = "#eef0f2";
      ctx.fillRect(this.labelW + PAD, y + 3, this.width - this.labelW - PAD * 2, row.h - 6);
      for (const band of model.lockBands.get(obj) || []) {
        const x0 = this.x(band.from, band.t);
        const x1 = band.to === null ? this.x(last, end.t) : this.x(band.to, band.tTo);
        ctx.fillStyle = threadColor(model.lane.get(band.thread));
        ctx.fillRect(x0, y + 5, Math.max(2, x1 - x0), OBJ_H - 10);
      }
      if (row.steps) paintSteps(this, ctx, row, this.x(last, end.t));
      const flags = model.flags.get(obj);
      if (flags) {
        ctx.fillStyle = "#c9a400";
        flags.forEach((f, k) => {
          if (!f.on) return;
          const next = flags[k + 1] || { i: last, t: end.t };
          ctx.fillRect(this.x(f.i, f.t), y + 5, Math.max(2, this.x(next.i, next.t) - this.x(f.i, f.t)), OBJ_H - 10);
        });
      }
    });
    paintMarks(this, ctx);
    this.paintAxis(ctx);
    this.full = full;
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
    for (let v = 0; v <= span; v += step) {
      const x = steps ? this.x(v, 0) : this.x(0, v * 1e6);
      ctx.moveTo(x, y);
      ctx.lineTo(x, y + 4);
      const text = labelOf(v);
      const width = ctx.measureText(text).width;
      const left = Math.min(x, this.width - PAD - width);
      if (left < free) continue;
      ctx.fillText(text, left, y + 6);
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
    ctx.font = "13px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    model.threads.forEach((th, k) => {
      const y = PAD + k * LANE_H;
      ctx.fillStyle = threadColor(k);
      ctx.fillRect(0, y + 4, 6, LANE_H - 8);
      ctx.fillStyle = "#1d1d1f";
      ctx.fillText(th.name.slice(0, 18), 12, y + LANE_H / 2);
    });
    this.rows.forEach(({ obj, y, h }) => {
      ctx.fillStyle = "#444";
      ctx.fillText(label(model, obj).slice(0, 18), 12, y + h / 2);
      ctx.fillStyle = "#eef0f2";
      ctx.fillRect(this.labelW + PAD, y + 3, this.width - this.labelW - PAD * 2, h - 6);
    });
    const x0 = this.labelW;
    const axisTop = this.axisY - 2;
    if (i >= 0 && headX > x0) {
      ctx.drawImage(this.full, x0 * ratio, 0, (headX - x0) * ratio, axisTop * ratio, x0, 0, headX - x0, axisTop);
    }
    // The axis is drawn whole: it says where the run is going.
    ctx.drawImage(this.full, 0, axisTop * ratio, this.full.width, AXIS_H * ratio, 0, axisTop, this.width, AXIS_H);
    this.drawLinks(i);
    drawShared(this, i, headX);
    this.drawWaits(i, headX);
    ctx.strokeStyle = "#1d1d1f";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(headX, 0);
    ctx.lineTo(headX, this.height);
    ctx.stroke();
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

  arrow(x0, y0, x1, y1, color, dashed) {
    const { ctx } = this;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = 2;
    ctx.setLineDash(dashed ? [5, 4] : []);
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.bezierCurveTo(x0 + 30, y0, x1 + 30, y1, x1 + 4, y1);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(x1 + 4, y1);
    ctx.lineTo(x1 + 12, y1 - 5);
    ctx.lineTo(x1 + 12, y1 + 5);
    ctx.fill();
  }

  drawWaits(i, headX) {
    const { model } = this;
    const states = model.segments.map((segs) => segmentAt(segs, i));
    states.forEach((seg, k) => {
      if (!seg || seg.state !== "blocked" || seg.holder === null || seg.holder === undefined) return;
      const tid = model.threads[k].id;
      this.arrow(headX, this.laneY(tid), headX, this.laneY(seg.holder), "#c0392b", true);
    });
    const waiting = model.outcome.status === "stalled" ? model.outcome.waiting : null;
    if (waiting && this.stalled >= 0 && i >= this.stalled) {
      const { ctx } = this;
      ctx.fillStyle = "#8a5300";
      ctx.font = "bold 12px system-ui, sans-serif";
      ctx.textBaseline = "middle";
      const word = this.strings["outcome.stalled"];
      const wide = ctx.measureText(word).width + 18;
      for (const w of waiting) {
        const x = Math.min(headX + 6, this.width - wide - 4);
        const y = this.laneY(w.thread);
        // On a narrow screen the mark lands on the bars: give it a backing of its own.
        ctx.fillStyle = "rgba(255, 255, 255, 0.92)";
        ctx.fillRect(x - 3, y - 9, wide + 6, 18);
        ctx.fillStyle = "#8a5300";
        ctx.fillRect(x, y - 6, 3, 12); // a pause sign, drawn: the glyph is missing from many fonts
        ctx.fillRect(x + 5, y - 6, 3, 12);
        ctx.fillText(word, x + 12, y);
      }
    }
    const cycle = model.outcome.cycle;
    const closed = this.closed;
    if (cycle && closed >= 0 && i >= closed) {
      cycle.forEach((step, n) => {
        const y0 = this.laneY(step.thread);
        const y1 = this.laneY(step.holder);
        this.arrow(headX + 6 + n * 6, y0, headX + 6 + n * 6, y1, "#8e0000", false);
      });
      const { ctx } = this;
      ctx.fillStyle = "#8e0000";
      ctx.font = CYCLE_FONT;
      ctx.textBaseline = "middle";
      this.cycleText.forEach((line, n) => ctx.fillText(line, PAD, this.axisY + AXIS_H + 10 + n * CYCLE_LINE));
    }
  }

  /** What is under a point, for the hover explanation: a read/write mark, a thread's segment,
   *  or a step row (a variable, a queue) and its value there. */
  hit(px, py, i) {
    const mark = hitMark(this, px, py, i);
    if (mark) return mark;
    const row = hitRow(this, px, py, i);
    if (row) return row;
    const k = Math.floor((py - PAD) / LANE_H);
    if (k < 0 || k >= this.model.threads.length || px < this.labelW) return null;
    for (const seg of this.model.segments[k]) {
      if (seg.from > i) break;
      const x0 = this.x(seg.from, seg.t);
      const x1 = seg.to === null || seg.to > i ? this.width : this.x(seg.to, seg.tTo);
      if (px >= x0 && px <= Math.max(x1, x0 + 3)) return { lane: k, seg };
    }
    return null;
  }
}
