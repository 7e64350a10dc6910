// How a run that cannot go on ends, on the lanes: who waits for whom at the playhead (thread →
// the lock it waits for → its holder; from the deadlock on, the cycle solid and dark), the
// pause sign of each thread of a stall, and the ending in words under the axis (the cycle, the
// stalled threads). Laid out around the stop signs Hilos leaves at the end: an arrow or a
// pause sign never sits on one, and no word covers a lane (a phone has no room for words
// there). Called by lanes.js with its geometry; `lanes.drawn` keeps what was drawn where.

import { describeStallStep } from "./describe.js";
import { label, threadName } from "./model.js";

const END_FONT = "bold 13px system-ui, sans-serif";
const END_LINE = 17; // a line of the ending's words under the axis
const WAIT_COLOR = "#b12e06";
const CYCLE_COLOR = "#7a0000";
const STALL_COLOR = "#8a5300";
const SIGN_HALF = 9; // a stop sign's half width, with its white edge
const CLEAR = 3; // the gap kept between a stop sign and an arrow or a pause sign
const PAUSE_W = 12; // a pause sign on a lane: a white chip with two bars
const PAUSE_INDENT = 16; // the words of a stall follow a pause sign of their own

/** The ending in words, in as many lines as `room` needs (names are never cut): the closed
 *  cycle (`deadlock: T1 → lock_2 → T2 → lock_1 → T1`) or the stalled threads. */
export function endLines(lanes, ctx, room) {
  const { model, strings } = lanes;
  const outcome = model.outcome;
  ctx.font = END_FONT;
  if (outcome.cycle && lanes.closed >= 0) {
    const cycle = outcome.cycle;
    const parts = cycle.flatMap((s) => [threadName(model, s.thread), s.object ? label(model, s.object) : "join"]);
    parts.push(threadName(model, cycle[0].thread));
    return { lines: wrap(ctx, `${strings["outcome.deadlock"]}:`, parts, " → ", "→ ", room), color: CYCLE_COLOR, indent: 0 };
  }
  if (outcome.status === "stalled" && outcome.waiting && lanes.stalled >= 0) {
    const names = outcome.waiting.map((w) => threadName(model, w.thread));
    const parts = names.map((name, k) => (k < names.length - 1 ? `${name},` : name));
    const lines = wrap(ctx, `${strings["outcome.stalled"]}:`, parts, " ", "", room - PAUSE_INDENT);
    return { lines, color: STALL_COLOR, indent: PAUSE_INDENT };
  }
  return { lines: [], color: CYCLE_COLOR, indent: 0 };
}

function wrap(ctx, head, parts, joiner, opener, room) {
  const lines = [head];
  parts.forEach((part, n) => {
    const next = `${lines[lines.length - 1]}${n ? joiner : " "}${part}`;
    if (ctx.measureText(next).width <= room) lines[lines.length - 1] = next;
    else lines.push(`${opener}${part}`);
  });
  return lines;
}

/** The stop signs on screen at event `i`, where drawMarks puts them. */
export function signsAt(lanes, i) {
  const { model } = lanes;
  return model.marks
    .filter((m) => m.i <= i && model.lane.has(m.thread))
    .map((m) => ({ x: lanes.markX(m, i), y: lanes.laneY(m.thread), thread: m.thread, kind: m.kind }));
}

/** The rightmost x at or left of `x` where something spanning [x - left, x + right] across
 *  [top, bottom] touches no stop sign (never left of `min`: a crowded phone may have to). */
function clearOf(signs, x, left, right, top, bottom, min) {
  for (;;) {
    const hit = signs.find((s) => s.y + SIGN_HALF > top && s.y - SIGN_HALF < bottom
      && x + right > s.x - SIGN_HALF - CLEAR && x - left < s.x + SIGN_HALF + CLEAR);
    if (!hit || x <= min) return Math.max(min, x);
    x = hit.x - SIGN_HALF - CLEAR - right;
  }
}

/** Where each wait's arrows stand: right to left from just before the playhead, each at its
 *  own x (closer together on a phone), and clear of every stop sign their arrows would cross. */
export function placeWaits(lanes, waits, signs, headX) {
  const gap = lanes.width < 600 ? 12 : 18;
  const min = lanes.labelW + lanes.pad + 6;
  let next = headX - 12;
  return waits.map((w) => {
    const ys = [lanes.laneY(w.thread), ...w.holders.filter((h) => lanes.model.lane.has(h)).map((h) => lanes.laneY(h))];
    const row = w.obj ? lanes.rowOf.get(w.obj) : null;
    if (row) ys.push(row.y + row.h / 2);
    // The thread's arrow at x, the holder's at x + 4: each head 4.5 wide, with a white edge.
    const x = clearOf(signs, next, 7, 11, Math.min(...ys), Math.max(...ys), min);
    next = x - gap;
    return x;
  });
}

/** A vertical arrow at x from y0 to y1, its head at y1; dashed for a wait that may end. */
function arrow(ctx, x, y0, y1, color, width, dashed) {
  const dir = y1 > y0 ? 1 : -1;
  // A white edge keeps each arrow apart from the hatched bars and from its neighbours.
  for (const [stroke, w, dash] of [["rgba(255, 255, 255, 0.9)", width + 3, []], [color, width, dashed ? [5, 3] : []]]) {
    ctx.strokeStyle = stroke;
    ctx.lineWidth = w;
    ctx.setLineDash(dash);
    ctx.beginPath();
    ctx.moveTo(x, y0);
    ctx.lineTo(x, y1 - dir * 7);
    ctx.stroke();
  }
  ctx.setLineDash([]);
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.moveTo(x, y1);
  ctx.lineTo(x - 4.5, y1 - dir * 9);
  ctx.lineTo(x + 4.5, y1 - dir * 9);
  ctx.closePath();
  ctx.fill();
}

/** Who waits for whom at the playhead, then the ending: pause signs and words. */
export function drawEnding(lanes, i, headX) {
  const { ctx, model } = lanes;
  const signs = signsAt(lanes, i);
  const waits = lanes.waitsAt(i);
  const xs = placeWaits(lanes, waits, signs, headX);
  waits.forEach((w, n) => {
    const x = xs[n];
    const color = w.cycle ? CYCLE_COLOR : WAIT_COLOR;
    const width = w.cycle ? 2.5 : 2;
    const from = lanes.laneY(w.thread);
    const row = w.obj ? lanes.rowOf.get(w.obj) : null;
    const ys = [from];
    if (!row) {
      for (const h of w.holders) {
        if (!model.lane.has(h)) continue;
        arrow(ctx, x, from, lanes.laneY(h), color, width, !w.cycle);
        ys.push(lanes.laneY(h));
      }
    } else {
      const mid = row.y + row.h / 2;
      arrow(ctx, x, from, mid - (from < mid ? 5 : -5), color, width, !w.cycle);
      for (const h of w.holders) {
        if (!model.lane.has(h)) continue;
        const to = lanes.laneY(h);
        arrow(ctx, x + 4, mid + (to < mid ? -5 : 5), to + (to < mid ? 6 : -6), color, width, !w.cycle);
        ys.push(to);
      }
      ctx.beginPath();
      ctx.arc(x + 2, mid, 4, 0, Math.PI * 2);
      ctx.fillStyle = color;
      ctx.fill();
      ys.push(mid);
    }
    lanes.drawn.waits.push({ thread: w.thread, x, cycle: w.cycle, top: Math.min(...ys), bottom: Math.max(...ys) });
  });
  const waiting = model.outcome.status === "stalled" ? model.outcome.waiting : null;
  if (waiting && lanes.stalled >= 0 && i >= lanes.stalled) {
    for (const w of waiting) {
      if (!model.lane.has(w.thread)) continue;
      const y = lanes.laneY(w.thread);
      const x = clearOf(signs, headX - PAUSE_W / 2 - 4, PAUSE_W / 2 + 1, PAUSE_W / 2 + 1, y - 9, y + 9, lanes.labelW + lanes.pad);
      pauseSign(ctx, x, y);
      lanes.drawn.pauses.push({ thread: w.thread, x, y, w: PAUSE_W + 2, h: 18 });
    }
  }
  const end = lanes.endText;
  if ((lanes.closed >= 0 && i >= lanes.closed) || (lanes.stalled >= 0 && i >= lanes.stalled)) {
    const top = lanes.axisY + lanes.axisH + 4;
    if (end.indent) pauseSign(ctx, lanes.pad + PAUSE_W / 2, top);
    ctx.fillStyle = end.color;
    ctx.font = END_FONT;
    ctx.textBaseline = "middle";
    end.lines.forEach((line, n) => ctx.fillText(line, lanes.pad + end.indent, top + n * END_LINE));
  }
}

/** A pause sign centred at (x, y), drawn (the glyph is missing from many fonts). */
function pauseSign(ctx, x, y) {
  ctx.fillStyle = "rgba(255, 255, 255, 0.95)";
  ctx.fillRect(x - PAUSE_W / 2 - 1, y - 9, PAUSE_W + 2, 18);
  ctx.fillStyle = STALL_COLOR;
  ctx.fillRect(x - 4, y - 6, 3, 12);
  ctx.fillRect(x + 1, y - 6, 3, 12);
}

/** The ending's words under the axis: how tall they are. */
export function endHeight(end) {
  return Math.max(8, 8 + END_LINE * end.lines.length);
}

/** A pause sign under a point: its thread's stall in words (what it waits in, forever). */
export function hitPause(lanes, px, py) {
  const { model, strings } = lanes;
  const found = lanes.drawn.pauses.find((p) => Math.abs(px - p.x) <= p.w / 2 && Math.abs(py - p.y) <= p.h / 2);
  const wait = found && model.outcome.waiting.find((w) => w.thread === found.thread);
  return wait ? { text: `${strings["outcome.stalled"]}: ${describeStallStep(model, strings, wait)}` } : null;
}
