// From a run document (hilos.trace/2.x or /1, and its analysis in format 3) to what the player
// draws: the events, and the analysis's columns decoded (per-thread state segments, lock
// holders, queues, barriers, flags, links, marks, the narration), plus the shared variables.
// Pure functions over arrays; no DOM here.

// The decimal mark of the page's language (Spanish writes 0,5): the narration, written on
// the server, already uses it; every number the player writes follows.
let decimalMark = ".";
export function useDecimalMark(lang) {
  decimalMark = lang === "es" ? "," : ".";
}
export function decimal(text) {
  return decimalMark === "." ? String(text) : String(text).replace(".", decimalMark);
}

/** A column as a plain array: version 2 may give it as runs, [value, count, ...]. */
export function unpackColumn(column) {
  if (Array.isArray(column)) return column;
  const runs = column.runs;
  let n = 0;
  for (let k = 1; k < runs.length; k += 2) n += runs[k];
  const plain = new Array(n);
  let i = 0;
  for (let k = 0; k < runs.length; k += 2) {
    plain.fill(runs[k], i, i + runs[k + 1]);
    i += runs[k + 1];
  }
  return plain;
}

/** Decode the columnar events into an array of {i, t, thread, kind, obj, line, arg}. */
export function decodeEvents(trace) {
  const raw = trace.events;
  const [times, threads, kinds, objects, lines, steps] = [
    raw.t, raw.thread, raw.kind, raw.object, raw.line, raw.args.at,
  ].map(unpackColumn);
  const events = new Array(times.length);
  let t = 0;
  for (let i = 0; i < times.length; i++) {
    t += times[i];
    events[i] = { i, t, thread: threads[i], kind: trace.kinds[kinds[i]], obj: objects[i], line: lines[i], arg: null };
  }
  // The arguments are sparse: set where there is one (a walk, no map from index to value).
  let at = 0;
  for (let k = 0; k < steps.length; k++) {
    at += steps[k];
    if (at < events.length) events[at].arg = raw.args.value[k];
  }
  return events;
}

/** A paused run ("You choose") ends with every thread stopped where it stood: that is the
 *  pause, not the program's story. Those events become one step, "now", that only holds the
 *  lanes' last states open (so a thread that just went to sleep shows asleep); the narration
 *  stops before it (`pausedAt`). */
const PAUSE_MARKS = new Set(["thread_abort", "aborted"]);
function withoutPause(trace, events) {
  if (!trace.outcome || trace.outcome.status !== "paused") return { events, pausedAt: null };
  let end = events.length;
  while (end > 0 && PAUSE_MARKS.has(events[end - 1].kind)) end--;
  const kept = events.slice(0, end);
  const t = events.length ? events[events.length - 1].t : 0;
  kept.push({ i: end, t, thread: null, kind: "pause", obj: 0, line: 0, arg: null });
  return { events: kept, pausedAt: end };
}

/** The analysis format this player draws (`app/analysis/document.py`); older stored runs
 *  are analysed again by the server (`/api/runs/{id}/analysis`). */
export const ANALYSIS_FORMAT = 3;

export function isCurrent(analysis) {
  return Boolean(analysis) && analysis.format === ANALYSIS_FORMAT;
}

/** A column of differences (plain or runs) back to its values. */
export function undelta(column) {
  const plain = unpackColumn(column);
  let total = 0;
  for (let k = 0; k < plain.length; k++) {
    total += plain[k];
    plain[k] = total;
  }
  return plain;
}

/** Steps sent as {at (delta), n}: [{i, t, value}] with the times of their events. */
function stepsOf(columns, at) {
  if (!columns) return null;
  const where = undelta(columns.at);
  const values = unpackColumn(columns.n);
  return where.map((i, k) => ({ i, t: at(i).t, value: values[k] }));
}

/** Everything the views need, decoded once from the run document: the trace's events and the
 *  analysis's columns (per-thread segments, lock holds, queues, barriers, flags, links, marks,
 *  narration). Nothing here replays the events: the server's analysis is the one model. */
export function buildModel(doc) {
  const trace = doc.trace;
  const { events, pausedAt } = withoutPause(trace, decodeEvents(trace));
  const threads = trace.threads;
  const objects = new Map(trace.objects.map((o) => [o.id, o]));
  const lane = new Map(threads.map((th, k) => [th.id, k]));
  const last = Math.max(0, events.length - 1);
  const end = events.length ? events[last] : { i: 0, t: 0 };
  // A paused run's analysis may point past the pause: such an index is the pause itself.
  const clamp = (i) => Math.min(i, last);
  const at = (i) => events[clamp(i)] || end;
  const analysis = isCurrent(doc.analysis) ? doc.analysis : null;
  const model = {
    doc, trace, events, threads, objects, lane, pausedAt, duration: end.t, outcome: trace.outcome,
    segments: threads.map(() => []), lockBands: new Map(), queueSizes: new Map(), queues: new Map(),
    barriers: new Map(), flags: new Map(), links: [], marks: [], narration: null,
    lines: lineChanges(events, lane, threads.length),
  };
  if (analysis) decodeAnalysis(model, analysis, clamp, at);
  Object.assign(model, sharedData(analysis || doc.analysis, events, objects));
  return model;
}

function decodeAnalysis(model, analysis, clamp, at) {
  const { tables } = analysis;
  const iv = analysis.intervals;
  const ivThread = unpackColumn(iv.thread);
  const ivFrom = undelta(iv.from);
  const [state, wait, obj, other, how] = [iv.state, iv.wait, iv.object, iv.other, iv.how].map(unpackColumn);
  for (let r = 0; r < ivThread.length; r++) {
    const k = model.lane.get(ivThread[r]);
    if (k === undefined) continue;
    const from = clamp(ivFrom[r]);
    const nextSame = r + 1 < ivThread.length && ivThread[r + 1] === ivThread[r];
    const to = nextSame ? clamp(ivFrom[r + 1]) : null;
    const kind = wait[r] >= 0 ? tables.wait[wait[r]] : null;
    const who = other[r] >= 0 ? other[r] : null;
    // Every segment has the same fields (one shape: 100 000 of them stay cheap).
    model.segments[k].push({
      state: tables.state[state[r]], from, to, t: at(from).t, tTo: to === null ? null : at(to).t,
      kind, obj: obj[r] || null, holder: kind === "join" ? null : who, joined: kind === "join" ? who : null,
      how: how[r] >= 0 ? tables.how[how[r]] : null,
    });
  }
  const holds = analysis.holds;
  const hObj = unpackColumn(holds.object);
  const hThread = unpackColumn(holds.thread);
  const hFrom = undelta(holds.from);
  const hLength = unpackColumn(holds.length);
  for (const lock of analysis.locks) model.lockBands.set(lock.object, []);
  for (let r = 0; r < hObj.length; r++) {
    const from = clamp(hFrom[r]);
    const to = hLength[r] < 0 ? null : clamp(hFrom[r] + hLength[r]);
    if (!model.lockBands.has(hObj[r])) model.lockBands.set(hObj[r], []);
    model.lockBands.get(hObj[r]).push({ thread: hThread[r], from, t: at(from).t, to, tTo: to === null ? null : at(to).t });
  }
  for (const q of analysis.queues) {
    const sizes = stepsOf(q.sizes, at);
    model.queueSizes.set(q.object, sizes.map((s) => ({ i: s.i, t: s.t, size: s.value, value: s.value })));
    const put = undelta(q.items.put);
    const waited = unpackColumn(q.items.wait);
    const items = put.map((p, k) => ({ put: p, got: waited[k] < 0 ? null : p + waited[k] }));
    model.queues.set(q.object, { items, unfinished: stepsOf(q.unfinished, at), maxSize: q.max_size });
    for (const item of items) {
      if (item.got !== null) model.links.push({ kind: "item", from: clamp(item.put), to: clamp(item.got), object: q.object });
    }
  }
  for (const b of analysis.barriers) {
    model.barriers.set(b.object, { parties: b.parties, steps: stepsOf(b.arrived, at) });
  }
  for (const f of analysis.flags) {
    model.flags.set(f.object, f.at.map((i, k) => ({ i: clamp(i), t: at(i).t, on: f.on[k], value: f.on[k] })));
  }
  const lk = analysis.links;
  const lTo = undelta(lk.to);
  const [lKind, lBack, lObj] = [lk.kind, lk.back, lk.object].map(unpackColumn);
  for (let r = 0; r < lTo.length; r++) {
    model.links.push({ kind: tables.link[lKind[r]], from: clamp(lTo[r] - lBack[r]), to: clamp(lTo[r]), object: lObj[r] || null });
  }
  model.links.sort((a, b) => a.to - b.to || a.from - b.from);
  const mk = analysis.marks;
  const mIndex = undelta(mk.index);
  const [mKind, mThread] = [mk.kind, mk.thread].map(unpackColumn);
  const paused = model.pausedAt !== null;
  for (let r = 0; r < mIndex.length; r++) {
    if (paused && mIndex[r] >= model.pausedAt) continue;
    model.marks.push({ kind: tables.mark[mKind[r]], i: clamp(mIndex[r]), t: at(mIndex[r]).t, thread: mThread[r], reason: mk.reason[r] });
  }
  model.narration = decodeNarration(model, analysis.narration);
}

/** The narration's rows: each renders its sentence only when it is read (`text`), from its
 *  template, the event's thread and object, and the values the analysis sent. */
function decodeNarration(model, columns) {
  if (!columns) return null;
  const indexes = undelta(columns.index);
  const codes = unpackColumn(columns.key);
  const valueRows = undelta(columns.values.at);
  const values = new Map(valueRows.map((row, k) => [row, columns.values.value[k]]));
  const { keys, templates } = columns;
  class Told {
    constructor(index, code, given) {
      this.index = index;
      this.code = code;
      this.given = given;
      this.said = null;
    }

    get key() {
      return keys[this.code];
    }

    get thread() {
      const ev = model.events[this.index];
      return ev ? ev.thread : null;
    }

    get text() {
      if (this.said === null) {
        const ev = model.events[this.index] || {};
        const given = { thread: threadName(model, ev.thread), obj: model.objects.get(ev.obj)?.label ?? "?", ...this.given };
        this.said = templates[this.code].replace(/\{(\w+)\}/g, (whole, name) => (name in given ? String(given[name]) : whole));
      }
      return this.said;
    }
  }
  const rows = new Array(indexes.length);
  for (let r = 0; r < indexes.length; r++) rows[r] = new Told(indexes[r], codes[r], values.get(r) || null);
  return rows;
}

/** Per lane, the source line after each event that changed it: [{i, line}] (a thread's
 *  events only touch its own lane, so memory grows with events, not events x threads). */
function lineChanges(events, lane, n) {
  const lines = Array.from({ length: n }, () => []);
  for (const e of events) {
    const k = lane.get(e.thread);
    if (k !== undefined && e.line) {
      const own = lines[k];
      if (!own.length || own[own.length - 1].line !== e.line) own.push({ i: e.i, line: e.line });
    }
  }
  return lines;
}

/** The line lane `k` was at after event `i` (0 before any). */
export function lineAt(model, k, i) {
  const own = model.lines[k];
  const n = countUpTo(own, "i", i);
  return n ? own[n - 1].line : 0;
}

/** The value of a step list [{i, value}] at event `i` (0 before its first step). */
export function stepAt(steps, i) {
  if (!steps || !steps.length) return 0;
  const n = countUpTo(steps, "i", i);
  return n ? steps[n - 1].value : 0;
}

/** The items inside a queue after event `i`, oldest first (at most `max`). */
export function itemsAt(model, queue, i, max = 8) {
  const q = model.queues.get(queue);
  if (!q) return [];
  const upTo = countUpTo(q.items, "put", i);
  const inside = [];
  // Newest first from the playhead back; a long-finished stretch is not walked whole.
  for (let k = upTo - 1; k >= 0 && inside.length < max && upTo - k < 5000; k--) {
    const item = q.items[k];
    if (item.got === null || item.got > i) inside.push(model.events[item.put]?.arg);
  }
  return inside.reverse();
}

/** Who holds lock `obj` after event `i` (thread ids; a semaphore may have several). */
export function holdersAt(model, obj, i) {
  const bands = model.lockBands.get(obj) || [];
  const upTo = countUpTo(bands, "from", i);
  const out = [];
  for (let k = upTo - 1; k >= 0 && upTo - k < 5000; k--) {
    const b = bands[k];
    if (b.to === null || b.to > i) out.push(b.thread);
  }
  return out.reverse();
}

/** Shared variables: each one's values over time and its reads and writes (from
 *  `analysis.variables`, or from the trace's read/write events when the analysis has none, as
 *  in a run read in another language before the analysis knew them), and the lost updates.
 *  A run recorded before variables were traced has none: every list is empty. */
function sharedData(analysis, events, objects) {
  const variables = new Map();
  for (const o of objects.values()) {
    if (o.kind === "Variable") variables.set(o.id, { id: o.id, label: o.label, values: [], accesses: [] });
  }
  const at = (i) => (Number.isInteger(i) && i >= 0 && i < events.length ? events[i] : null);
  const given = analysis && Array.isArray(analysis.variables) ? analysis.variables : null;
  if (given) {
    for (const v of given) {
      const entry = variables.get(v.id);
      if (!entry) continue;
      for (const [i, value] of v.values || []) if (at(i)) entry.values.push({ i, t: at(i).t, value });
      for (const [i, thread, rw, value, line] of v.accesses || []) {
        if (at(i)) entry.accesses.push({ i, t: at(i).t, thread, obj: v.id, rw, value, line });
      }
    }
  } else if (variables.size) {
    for (const e of events) {
      const entry = variables.get(e.obj);
      if (!entry || (e.kind !== "read" && e.kind !== "write")) continue;
      const rw = e.kind === "read" ? "r" : "w";
      entry.accesses.push({ i: e.i, t: e.t, thread: e.thread, obj: e.obj, rw, value: e.arg, line: e.line });
      if (rw === "w" || !entry.values.length) entry.values.push({ i: e.i, t: e.t, value: e.arg });
    }
  }
  const accesses = [...variables.values()].flatMap((v) => v.accesses).sort((a, b) => a.i - b.i);
  const lost = (analysis && Array.isArray(analysis.lost_updates) ? analysis.lost_updates : [])
    .filter((u) => variables.has(u.variable) && at(u.read) && at(u.overwritten) && at(u.write))
    .map((u) => ({ ...u, text: typeof u.text === "string" ? u.text : "" }))
    .sort((a, b) => a.write - b.write);
  const races = (analysis && Array.isArray(analysis.races) ? analysis.races : []).filter((r) => r && r.text);
  return { variables, accesses, lost, races };
}

/** A value as Python shows it (None, True, a string as it came), numbers with the page's
 *  decimal mark; `max` characters at most. */
export function showValue(value, max = 40) {
  let text;
  if (value === null || value === undefined) text = "None";
  else if (typeof value === "boolean") text = value ? "True" : "False";
  else if (typeof value === "number") text = decimal(value);
  else text = String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The lost update that event `index` belongs to (as its stale read, the write it overwrote or
 *  the write that won), once the playhead at `i` has reached its winning write; or null. */
export function lostAt(model, index, i) {
  return model.lost.find((u) => u.write <= i && (u.read === index || u.overwritten === index || u.write === index)) || null;
}

/** The value of a variable at event index `i` (undefined before anything is known). */
export function valueAt(variable, i) {
  const k = countUpTo(variable.values, "i", i) - 1;
  return k >= 0 ? variable.values[k] : undefined;
}

/** How many items of a list sorted by `field` have it at most `value` (binary search). */
export function countUpTo(items, field, value) {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid][field] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The segment of one lane that covers event index `i`, or null. */
export function segmentAt(segs, i) {
  const seg = segs[countUpTo(segs, "from", i) - 1];
  if (!seg) return null;
  return seg.state === "finished" || seg.to === null || i < seg.to ? seg : null;
}

/** Index of the last event at or before time `t` (binary search). */
export function indexAtTime(model, t) {
  const ev = model.events;
  let lo = 0;
  let hi = ev.length - 1;
  if (hi < 0 || t < ev[0].t) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ev[mid].t <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function label(model, obj) {
  const info = model.objects.get(obj);
  return info ? info.label : "";
}

export function threadName(model, tid) {
  const k = model.lane.get(tid);
  const th = k === undefined ? null : model.threads[k];
  return th ? th.name : `#${tid}`;
}
