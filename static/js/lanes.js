// Draws the swimlanes on a canvas: one lane per thread, object lanes under them (locks with
// their holder's name on each band, queues with their count and items, barriers with k of N
// arrived, flags, shared variables last), who waits for whom at the playhead (thread → the lock
// it waits for → its holder), hand-offs, and the marks (stopped by Hilos, a daemon cut off at
// exit, a cancelled Timer). A state is told by its pattern as well as its colour, a thread by its
// name as well as its colour; the palette is checked under colour blindness (tests/test_palette.py).
// A lane's name fits the room beside it (smaller, on two lines, or cut, and then whole in the
// tooltip). `describeAt` is the same picture in words, for screen readers. How a stuck run ends
// (the waits, the stop signs' neighbours, the words under the axis) is ending.js.

import { countUpTo, decimal, holdersAt, indexAtTime, itemsAt, label, segmentAt, showValue, threadName } from "./model.js";
import { describeLanes, fill } from "./describe.js";
import { drawEnding, endHeight, endLines, hitPause } from "./ending.js";
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
// A lane's name: the sizes tried, largest first (a row of unfinished tasks is in italics).
const NAME_SIZES = { lane: ["13px", "11px"], sub: ["italic 11px", "italic 10px"] };
const NAME_LINE = 11; // between the two lines of a name that wraps

export class Lanes {
  constructor(canvas, model, strings) {
    this.canvas = canvas;
    this.model = model;
    this.strings = strings;
    this.view = "time";
    this.laneH = LANE_H;
    this.pad = PAD;
    this.axisH = AXIS_H;
    this.drawn = { names: [], waits: [], pauses: [], signs: [] }; // where the last frame put them
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
    this.stops = model.marks.filter((m) => m.kind === "stopped").sort((a, b) => a.i - b.i);
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

  /** Each lane's name as it fits beside the lanes: its font, its lines, and its whole text. */
  fitNames(ctx) {
    const { model, strings } = this;
    this.names = model.threads.map((th, k) => {
      const x = 12;
      const fit = fitName(ctx, th.name, this.labelW + PAD - x - 4, NAME_SIZES.lane, !th.daemon);
      const whole = th.daemon ? `${th.name} (${strings["player.daemon"]})` : th.name;
      return { ...fit, x, y: PAD + k * LANE_H + LANE_H / 2 - (th.daemon ? 6 : 0), whole, color: "#1d1d1f" };
    });
    for (const row of this.rows) {
      const x = row.sub ? 18 : 12;
      const text = row.sub ? `↳ ${strings["player.tasks"]}` : label(model, row.obj);
      const fit = fitName(ctx, text, this.labelW + PAD - x - 4, NAME_SIZES[row.sub ? "sub" : "lane"], row.h >= 24);
      const whole = row.sub ? `${label(model, row.obj)}: ${strings["player.tasks"]}` : text;
      this.names.push({ ...fit, x, y: row.y + row.h / 2, whole, color: row.sub ? "#55595e" : "#444" });
    }
    for (const name of this.names) {
      ctx.font = name.font;
      name.right = name.x + Math.max(...name.lines.map((line) => ctx.measureText(line).width));
    }
  }

  /** Where a mark is drawn at event `i`: a cut or a crossed circle at its event; the stop
   *  signs (Hilos stops the threads one after another at the end) in one column, at the
   *  latest stop the playhead has reached, so that the waits beside them stay near the end.
   *  Kept whole inside the canvas. */
  markX(mark, i) {
    let at = mark;
    if (mark.kind === "stopped") at = this.stops[countUpTo(this.stops, "i", i) - 1] || mark;
    return Math.min(this.x(at.i, at.t), this.width - PAD - 8);
  }

  resize() {
    const ratio = window.devicePixelRatio || 1;
    this.width = this.canvas.clientWidth || 600;
    this.labelW = Math.min(LABEL_MAX, Math.max(80, Math.round(this.width * 0.28)));
    const measure = this.canvas.getContext("2d");
    this.endText = endLines(this, measure, this.width - 2 * PAD);
    this.fitNames(measure);
    this.height = this.axisY + AXIS_H + endHeight(this.endText);
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
    this.drawn = { names: this.names, waits: [], pauses: [], signs: [] };
    model.threads.forEach((th, k) => {
      const y = PAD + k * LANE_H;
      ctx.fillStyle = threadColor(k);
      ctx.fillRect(0, y + 4, 6, LANE_H - 8);
      if (th.daemon) {
        ctx.font = "italic 10px system-ui, sans-serif";
        ctx.fillStyle = "#55595e";
        ctx.fillText(this.strings["player.daemon"], 12, y + LANE_H / 2 + 8);
      }
    });
    this.rows.forEach((row) => {
      ctx.fillStyle = "#eef0f2";
      ctx.fillRect(this.labelW + PAD, row.y + 3, this.width - this.labelW - PAD * 2, row.h - 6);
    });
    for (const name of this.names) {
      ctx.fillStyle = name.color;
      ctx.font = name.font;
      const top = name.y - ((name.lines.length - 1) * NAME_LINE) / 2;
      name.lines.forEach((line, n) => ctx.fillText(line, name.x, top + n * NAME_LINE));
    }
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
    drawEnding(this, i, headX); // laid out around the stop signs, which come on top
    this.drawMarks(i);
    ctx.strokeStyle = "#1d1d1f";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(headX, 0);
    ctx.lineTo(headX, this.axisY);
    ctx.stroke();
    this.describe(i);
  }

  /** The value a step row shows at the playhead: a queue's count and its items, a barrier's
   *  k of N arrived, a count of unfinished tasks, a variable's value; `short`, the count alone. */
  nowText(row, now, i, short = false) {
    const s = this.strings;
    if (short && row.kind === "barrier") return `${now.value}/${this.model.barriers.get(row.obj).parties ?? "?"}`;
    if (short && row.kind !== "variable") return String(now.value);
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
      const x = this.markX(mark, i);
      paintMark(this.ctx, mark.kind, x, this.laneY(mark.thread));
      this.drawn.signs.push({ kind: mark.kind, thread: mark.thread, x, y: this.laneY(mark.thread) });
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

  /** Who waits for whom at the playhead: each blocked thread, the lock it waits for and its
   *  holders; from the deadlock on, the cycle's steps first (ending.js draws them). */
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

  /** The picture at event `i` in words, one sentence per lane (the canvas's description, kept
   *  current here; a player may read it too, e.g. to announce it on demand). */
  describeAt(i) {
    const lines = describeLanes(this.model, this.strings, i);
    const { model } = this;
    for (const mark of model.marks) {
      if (mark.i <= i) lines.push(fill(this.strings[`player.words.mark.${mark.kind}`], { thread: threadName(model, mark.thread) }));
    }
    const ended = (this.closed >= 0 && i >= this.closed) || (this.stalled >= 0 && i >= this.stalled);
    if (ended && this.endText.lines.length) lines.push(this.endText.lines.join(" "));
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
    if (px < this.labelW + PAD) {
      // A lane's name: whole (beside the lanes it may be cut, or the tasks' owner left out).
      const name = this.names.find((n) => Math.abs(py - n.y) <= Math.max(9, (n.lines.length * NAME_LINE) / 2 + 2));
      return name ? { text: name.whole } : null;
    }
    for (const mark of model.marks) {
      if (mark.i > i || !model.lane.has(mark.thread)) continue;
      const x = this.markX(mark, i);
      if (Math.abs(px - x) <= 8 && Math.abs(py - this.laneY(mark.thread)) <= 9) {
        return { text: fill(strings[`player.words.mark.${mark.kind}`], { thread: threadName(model, mark.thread) }) };
      }
    }
    const pause = hitPause(this, px, py);
    if (pause) return pause;
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


/** `text` in `room` px: whole at the first of `sizes` it fits, else at the smallest on two
 *  lines (when `two` and its words allow), else cut with "…" (`cut`: the tooltip says it whole). */
function fitName(ctx, text, room, sizes, two) {
  const fonts = sizes.map((size) => `${size} system-ui, sans-serif`);
  const fits = (t) => ctx.measureText(t).width <= room;
  for (const font of fonts) {
    ctx.font = font;
    if (fits(text)) return { font, lines: [text], cut: false };
  }
  const font = fonts[fonts.length - 1];
  const words = text.split(" ");
  for (let k = words.length - 1; two && k > 0; k--) {
    const first = words.slice(0, k).join(" ");
    const rest = words.slice(k).join(" ");
    if (fits(first)) return fits(rest) ? { font, lines: [first, rest], cut: false } : { font, lines: [first, shorten(ctx, rest, room)], cut: true };
  }
  return { font, lines: [shorten(ctx, text, room)], cut: true };
}

/** `text` cut in the middle to fit `room`, its end kept when short ("Excursionis…-1",
 *  "tened…[0]"): names that differ only in their number stay apart. */
function shorten(ctx, text, room) {
  const end = /[-_ .[][^-_ .[]{0,4}$/.exec(text);
  const tail = end && end.index > 0 ? end[0] : "";
  const head = text.slice(0, text.length - tail.length);
  let n = head.length;
  while (n > 1 && ctx.measureText(`${head.slice(0, n)}…${tail}`).width > room) n--;
  return `${head.slice(0, n).trimEnd()}…${tail}`;
}
