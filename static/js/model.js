// From a hilos.trace/2.x (or /1) document to what the player draws: per-thread state segments,
// lock holders, queue sizes, event flags, hand-off links, the deadlock cycle, and the shared
// variables with their reads, writes and lost updates.
// Pure functions over arrays; no DOM here.

const REQUESTS = {
  acquire_request: "blocked",
  wait_request: "waiting",
  put_request: "waiting",
  get_request: "waiting",
  join_request: "waiting",
  queue_join_request: "waiting",
  barrier_request: "waiting",
  sleep_request: "sleeping",
};
const ANSWERS = new Set([
  "acquire_granted", "acquire_timeout", "wait_return", "put_done", "put_timeout", "get_done",
  "get_timeout", "join_return", "queue_join_return", "barrier_pass", "barrier_broken",
  "sleep_done", "aborted",
]);
const COMPACT_FAILURES = new Set(["put_timeout", "get_timeout"]);
const LOCKS = new Set(["Lock", "RLock", "Semaphore", "BoundedSemaphore"]);
const QUEUES = new Set(["Queue", "LifoQueue", "PriorityQueue", "SimpleQueue"]);

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
  const args = new Map();
  let at = 0;
  steps.forEach((step, k) => {
    at += step;
    args.set(at, raw.args.value[k]);
  });
  const events = new Array(times.length);
  let t = 0;
  for (let i = 0; i < times.length; i++) {
    t += times[i];
    events[i] = {
      i, t, thread: threads[i], kind: trace.kinds[kinds[i]], obj: objects[i],
      line: lines[i], arg: args.has(i) ? args.get(i) : null,
    };
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

/** Everything the views need, computed once per trace. */
export function buildModel(doc) {
  const trace = doc.trace;
  const { events, pausedAt } = withoutPause(trace, decodeEvents(trace));
  const threads = trace.threads;
  const objects = new Map(trace.objects.map((o) => [o.id, o]));
  const lane = new Map(threads.map((th, k) => [th.id, k]));
  const segments = threads.map(() => []);
  const stacks = threads.map(() => []);
  const open = threads.map(() => null);
  const holders = new Map(); // lock id -> thread id
  const lockBands = new Map(); // lock id -> [{thread, from, to}]
  const queueSizes = new Map(); // queue id -> [{i, size}]
  const flags = new Map(); // event id -> [{i, on}]
  const links = [];
  const lastRelease = new Map(); // lock id -> event index
  const lines = []; // per event: array of current line per lane
  const current = threads.map(() => 0);

  const startSegment = (k, state, e, detail) => {
    if (open[k]) {
      open[k].to = e.i;
      open[k].tTo = e.t;
      if (open[k].to > open[k].from || open[k].state !== "running") segments[k].push(open[k]);
    }
    open[k] = state ? { state, from: e.i, to: null, t: e.t, tTo: null, ...detail } : null;
  };

  // What a thread does once its innermost wait is over: the wait around it, or running.
  const resumeSegment = (k, e) => {
    const top = stacks[k][stacks[k].length - 1];
    const state = top ? (top.kind === "acquire" ? "blocked" : top.kind === "sleep" ? "sleeping" : "waiting") : "running";
    startSegment(k, state, e, top || {});
  };

  for (const e of events) {
    const k = lane.get(e.thread);
    const info = objects.get(e.obj);
    if (e.kind === "thread_run") {
      if (threads[k].kind === "timer") {
        // A Timer's thread waits out its interval first: it runs only if it fires.
        const detail = { kind: "timer" };
        stacks[k].push(detail);
        startSegment(k, "waiting", e, detail);
      } else startSegment(k, "running", e, {});
    }
    if (e.kind === "timer_fire" && stacks[k].length && stacks[k][stacks[k].length - 1].kind === "timer") {
      stacks[k].pop();
      startSegment(k, "running", e, {});
    }
    if (e.kind in REQUESTS) {
      const detail = { obj: e.obj, kind: e.kind.replace("_request", "") };
      if (e.kind === "acquire_request") detail.holder = holders.get(e.obj) ?? null;
      if (e.kind === "join_request") detail.joined = Array.isArray(e.arg) ? e.arg[0] : null;
      stacks[k].push(detail);
      startSegment(k, REQUESTS[e.kind], e, detail);
    } else if (e.kind === "aborted") {
      stacks[k].pop(); // stopped while waiting: drawn as waiting up to its thread_abort
    } else if (ANSWERS.has(e.kind) && !(COMPACT_FAILURES.has(e.kind) && !stacks[k].length)) {
      stacks[k].pop();
      if (e.kind === "acquire_granted" && Number.isInteger(e.arg) && e.arg > 0) {
        // Handed the lock while not running: it holds it, and waits for the interpreter.
        startSegment(k, "ready", e, { obj: e.obj, kind: "acquire" });
      } else resumeSegment(k, e);
    } else if (e.kind === "resume") {
      resumeSegment(k, e);
    }
    if (e.kind === "thread_end" || e.kind === "thread_abort") {
      startSegment(k, "finished", e, { how: e.kind === "thread_abort" ? e.arg : "end" });
    }
    if (info && LOCKS.has(info.kind)) {
      if (e.kind === "acquire" || e.kind === "acquire_granted") {
        if (e.kind === "acquire_granted" && lastRelease.has(e.obj)) {
          links.push({ kind: "handoff", from: lastRelease.get(e.obj), to: e.i });
        }
        if (!holders.has(e.obj) || info.kind.includes("Semaphore")) {
          holders.set(e.obj, e.thread);
          const bands = lockBands.get(e.obj) || [];
          bands.push({ thread: e.thread, from: e.i, t: e.t, to: null, tTo: null });
          lockBands.set(e.obj, bands);
        }
      } else if (e.kind === "release" && (info.kind !== "RLock" || e.arg === 0)) {
        holders.delete(e.obj);
        lastRelease.set(e.obj, e.i);
        const bands = lockBands.get(e.obj) || [];
        const band = [...bands].reverse().find((b) => b.to === null);
        if (band) {
          band.to = e.i;
          band.tTo = e.t;
        }
      }
    }
    if (info && QUEUES.has(info.kind)) {
      const sizes = queueSizes.get(e.obj) || [{ i: 0, t: 0, size: 0 }];
      const size = sizes[sizes.length - 1].size;
      if (e.kind === "put" || e.kind === "put_done") sizes.push({ i: e.i, t: e.t, size: size + 1 });
      if (e.kind === "get" || e.kind === "get_done") sizes.push({ i: e.i, t: e.t, size: size - 1 });
      queueSizes.set(e.obj, sizes);
    }
    if (info && info.kind === "Event" && (e.kind === "set" || e.kind === "clear")) {
      const states = flags.get(e.obj) || [{ i: 0, t: 0, on: false }];
      states.push({ i: e.i, t: e.t, on: e.kind === "set" });
      flags.set(e.obj, states);
    }
    if (e.line) current[k] = e.line;
    lines.push(current.slice());
  }
  const end = events.length ? events[events.length - 1] : { i: 0, t: 0 };
  open.forEach((seg, k) => {
    if (seg) {
      seg.to = end.i;
      seg.tTo = end.t;
      segments[k].push(seg);
    }
  });
  return {
    doc, trace, events, threads, objects, lane, segments, lockBands, queueSizes, flags, links,
    lines, duration: end.t, outcome: trace.outcome, pausedAt, ...sharedData(doc.analysis, events, objects),
  };
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
  const th = model.threads.find((x) => x.id === tid);
  return th ? th.name : `#${tid}`;
}
