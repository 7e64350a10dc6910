// Shared data in the picture: a variable's values as a step line with the values written where
// they fit (a queue's size too), its reads and writes as marks in the thread's colour (hollow:
// read, filled: write, so the shape tells them apart without colour), and each lost update
// drawn: the overwritten write crossed out on the variable's lane, an arrow from the stale read
// to the write that used it. Called by lanes.js with its geometry; no DOM here.

import { countUpTo, lostAt, showValue, valueAt } from "./model.js";

const MARK_R = 5; // half the diagonal of a read/write diamond
const LOST_COLOR = "#a3261b";
const STEP_COLORS = { queue: "#5b3f8f", variable: "#37474f", tasks: "#8a5a00", barrier: "#00727a" };
const VALUE_FONT = "11px system-ui, sans-serif";
const HIT_PX = 7; // how near a mark the pointer must be
const HIT_SCAN = 400; // marks looked at around the pointer, at most
const LOST_DRAWN = 400; // lost updates drawn per frame, at most
const CROWDED_PX = 7; // marks nearer than this to a neighbour are drawn as ticks

/** A read (hollow) or write (filled) diamond; a white edge keeps it visible on any bar. */
function diamond(ctx, x, y, color, filled, r = MARK_R) {
  ctx.beginPath();
  ctx.moveTo(x, y - r);
  ctx.lineTo(x + r, y);
  ctx.lineTo(x, y + r);
  ctx.lineTo(x - r, y);
  ctx.closePath();
  ctx.lineJoin = "round";
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = 4;
  ctx.stroke();
  ctx.fillStyle = filled ? color : "#fff";
  ctx.fill();
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.stroke();
}

/** Where a value sits in a step row: numbers on the row's scale, anything else half-way. */
function valueY(row, value) {
  if (typeof value !== "number" || row.max === row.min) return (row.lineTop + row.lineBottom) / 2 + row.y;
  return row.y + row.lineBottom - ((value - row.min) / (row.max - row.min)) * (row.lineBottom - row.lineTop);
}

/** The scale and the line's band of a step row (a variable's values or a queue's sizes). */
export function stepRow(row, steps, kind, height) {
  // A count's scale (a queue, unfinished tasks, a barrier) starts at 0 and reaches one at
  // least; a variable's spans its values.
  const count = kind !== "variable";
  let min = count ? 0 : Infinity;
  let max = count ? 1 : -Infinity;
  for (const { value } of steps) {
    if (typeof value !== "number" || !Number.isFinite(value)) continue;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  row.kind = kind;
  row.steps = steps;
  [row.min, row.max] = min <= max ? [min, max] : [0, 0];
  // A variable keeps its top for the read/write marks; a queue's line uses the whole row.
  row.lineTop = kind === "variable" ? 22 : 5;
  row.lineBottom = height - (kind === "variable" ? 8 : 4);
  row.markY = 10;
  return row;
}

/** A value in a small box on its line: readable over the line, the marks and the bars. */
function valueBox(ctx, x, y, text, row, struck) {
  ctx.font = VALUE_FONT;
  const w = ctx.measureText(text).width + 6;
  const top = Math.min(Math.max(y - 7, row.y + 1), row.y + row.h - 15);
  ctx.fillStyle = "rgba(255, 255, 255, 0.94)";
  ctx.strokeStyle = STEP_COLORS[row.kind];
  ctx.lineWidth = 1;
  ctx.fillRect(x, top, w, 14);
  ctx.strokeRect(x + 0.5, top + 0.5, w - 1, 13);
  ctx.fillStyle = "#1d1d1f";
  ctx.textBaseline = "middle";
  ctx.fillText(text, x + 3, top + 7.5);
  if (struck) {
    ctx.strokeStyle = LOST_COLOR;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(x + 2, top + 7.5);
    ctx.lineTo(x + w - 2, top + 7.5);
    ctx.stroke();
  }
  return w;
}

/** Paint a step row into the whole-run picture and note which values fit as text: those
 *  are drawn per frame once the playhead has passed their step (a label never shows cut). */
export function paintSteps(lanes, ctx, row, lastX) {
  const steps = row.steps;
  row.labels = [];
  if (!steps.length) return;
  const left = lanes.labelW + 8;
  ctx.strokeStyle = STEP_COLORS[row.kind];
  ctx.lineWidth = 2;
  ctx.beginPath();
  let x = Math.max(left, lanes.x(steps[0].i, steps[0].t));
  let y = valueY(row, steps[0].value);
  ctx.moveTo(row.kind !== "variable" ? left : x, y);
  steps.forEach((s) => {
    x = lanes.x(s.i, s.t);
    ctx.lineTo(x, y);
    y = valueY(row, s.value);
    ctx.lineTo(x, y);
  });
  ctx.lineTo(lastX, y);
  ctx.stroke();
  ctx.font = VALUE_FONT;
  steps.forEach((s, k) => {
    const next = steps[k + 1];
    if (!next) return; // the last value is shown at the playhead
    const x0 = lanes.x(s.i, s.t);
    const text = showValue(s.value, 12);
    if (lanes.x(next.i, next.t) - x0 >= ctx.measureText(text).width + 12) {
      row.labels.push({ from: s.i, until: next.i, x: x0 + 3, y: valueY(row, s.value), text });
    }
  });
}

/** Read and write marks on the thread lanes and on the variables' lanes (whole run). A mark
 *  with room around it is a diamond; where accesses crowd (a loop of `+=`, a phone's width)
 *  each is a tick instead, reads above the lane's middle and writes below, so the state bars
 *  stay visible and a dense stretch still shows who touched what. */
export function paintMarks(lanes, ctx) {
  const { model } = lanes;
  const perLane = new Map(); // lane key -> {y, half, marks: [{a, x}]}
  const add = (key, y, half, a, x) => {
    if (!perLane.has(key)) perLane.set(key, { y, half, marks: [] });
    perLane.get(key).marks.push({ a, x });
  };
  for (const a of model.accesses) {
    const x = lanes.x(a.i, a.t);
    add(`t${a.thread}`, lanes.laneY(a.thread), lanes.laneH / 2, a, x);
    const row = lanes.rowOf.get(a.obj);
    if (row) add(`v${a.obj}`, row.y + row.markY, MARK_R + 2, a, x);
  }
  for (const { y, half, marks } of perLane.values()) {
    const ticks = { r: -9, w: -9 }; // x of the last tick drawn, per kind: dense runs stay cheap
    marks.forEach(({ a, x }, k) => {
      const roomy = (k === 0 || x - marks[k - 1].x >= CROWDED_PX) && (k === marks.length - 1 || marks[k + 1].x - x >= CROWDED_PX);
      const color = lanes.colorOf(a.thread);
      if (roomy) diamond(ctx, x, y, color, a.rw === "w");
      else if (x - ticks[a.rw] >= 1) {
        ticks[a.rw] = x;
        ctx.fillStyle = color;
        ctx.fillRect(x - 0.75, a.rw === "r" ? y - half + 1 : y + half - 5, 1.5, 4);
      }
    });
  }
}

/** Per frame: the values that fit up to the playhead, the value at the playhead, and the lost
 *  updates whose overwriting write the playhead has reached. */
export function drawShared(lanes, i, headX) {
  const { ctx, model } = lanes;
  for (const row of lanes.rows) {
    if (!row.steps) continue;
    const lost = row.kind === "variable" ? lostOf(model, row.obj, i) : null;
    const labels = row.labels || [];
    const done = countUpTo(labels, "until", i);
    for (let k = 0; k < done; k++) {
      const tag = labels[k];
      valueBox(ctx, tag.x, tag.y, tag.text, row, lost && lost.has(tag.from));
    }
    const now = i >= 0 ? valueAt({ values: row.steps }, i) : undefined;
    if (now === undefined) continue;
    ctx.font = VALUE_FONT;
    let text = lanes.nowText ? lanes.nowText(row, now, i) : showValue(now.value, 16);
    // On a narrow lane the count alone ("3", "2/3"): the row's name and its tooltip say the rest.
    if (lanes.nowText && ctx.measureText(text).width > (lanes.width - lanes.labelW) / 3) text = lanes.nowText(row, now, i, true);
    const w = ctx.measureText(text).width + 6;
    const x = headX + 4 + w <= lanes.width - 2 ? headX + 4 : headX - 4 - w;
    valueBox(ctx, x, valueY(row, now.value), text, row, false);
  }
  // The latest ones only, should a run lose thousands: each frame stays cheap, and so many
  // arrows would hide the lanes anyway (the summary counts them all).
  const reached = countUpTo(model.lost, "write", i);
  for (let k = Math.max(0, reached - LOST_DRAWN); k < reached; k++) drawLost(lanes, model.lost[k]);
}

/** The writes of `variable` overwritten unread, as the playhead has it so far. */
function lostOf(model, variable, i) {
  const found = new Set();
  const reached = countUpTo(model.lost, "write", i);
  for (let k = 0; k < reached; k++) if (model.lost[k].variable === variable) found.add(model.lost[k].overwritten);
  return found;
}

function drawLost(lanes, lost) {
  const { ctx, model } = lanes;
  const row = lanes.rowOf.get(lost.variable);
  const read = model.events[lost.read];
  const over = model.events[lost.overwritten];
  const write = model.events[lost.write];
  if (!row) return;
  // The overwritten write, crossed out where the variable's lane shows it.
  const ox = lanes.x(over.i, over.t);
  const oy = row.y + row.markY;
  const d = MARK_R + 2;
  for (const [color, width] of [["#fff", 4], [LOST_COLOR, 2]]) {
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.beginPath();
    ctx.moveTo(ox - d, oy - d);
    ctx.lineTo(ox + d, oy + d);
    ctx.moveTo(ox - d, oy + d);
    ctx.lineTo(ox + d, oy - d);
    ctx.stroke();
  }
  // From the stale read, on the reader's lane, to the write it computed, on the variable's.
  const x0 = lanes.x(read.i, read.t);
  const y0 = lanes.laneY(read.thread) + MARK_R;
  const x1 = lanes.x(write.i, write.t);
  const y1 = row.y + row.markY - MARK_R - 2;
  const bend = Math.max(12, Math.min(60, (x1 - x0) / 3));
  for (const [color, width] of [["rgba(255, 255, 255, 0.85)", 5], [LOST_COLOR, 2]]) {
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.bezierCurveTo(x0 + bend, y0 + 4, x1 - bend / 2, y1 - 20, x1, y1 - 4);
    ctx.stroke();
  }
  ctx.fillStyle = LOST_COLOR;
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - 4.5, y1 - 8);
  ctx.lineTo(x1 + 4.5, y1 - 8);
  ctx.closePath();
  ctx.fill();
}

/** The read or write mark under a point, among those the playhead has passed; with the lost
 *  update it belongs to, if any (as stale read, overwritten write or the write that won). */
export function hitMark(lanes, px, py, i) {
  const { model } = lanes;
  const k = Math.floor((py - 8) / lanes.laneH);
  const thread = k >= 0 && k < model.threads.length ? model.threads[k].id : null;
  // On a variable's lane the marks run along its top; below them the pointer reads values.
  const row = lanes.rows.find((r) => r.kind === "variable" && py >= r.y && py < r.y + r.markY + MARK_R + 3);
  if (thread === null && !row) return null;
  const list = model.accesses;
  const upTo = countUpTo(list, "i", i);
  // x grows with the index in both views: find the first mark at or right of px - HIT_PX.
  let lo = 0;
  let hi = upTo;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (lanes.x(list[mid].i, list[mid].t) < px - HIT_PX) lo = mid + 1;
    else hi = mid;
  }
  let best = null;
  let bestD = HIT_PX + 1;
  for (let n = lo; n < upTo && n < lo + HIT_SCAN; n++) {
    const a = list[n];
    const d = Math.abs(lanes.x(a.i, a.t) - px);
    if (d > HIT_PX) break;
    const onLane = row ? a.obj === row.obj : a.thread === thread;
    if (onLane && d < bestD) {
      best = a;
      bestD = d;
    }
  }
  return best ? { access: best, lost: lostAt(model, best.i, i) } : null;
}

/** The step row under a point, and its value there (the playhead's, at most). */
export function hitRow(lanes, px, py, i) {
  const row = lanes.rows.find((r) => r.steps && py >= r.y && py < r.y + r.h);
  if (!row || px < lanes.labelW || i < 0) return null;
  const at = Math.min(i, lanes.indexAtX(px));
  return { row, step: valueAt({ values: row.steps }, at), at };
}
