// The player's words for what the canvas draws: a read or write mark, a lost update, every lane
// at the playhead (the text alternative of the picture), and the reads and writes the
// narration does not tell. No DOM here.

import { countUpTo, label, segmentAt, showValue, threadName, valueAt } from "./model.js";

export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? String(values[key]) : `{${key}}`));
}

/** "Thread-1 reads `counter`: 3 (line 18)" — names in backticks, as the narration writes them. */
export function describeAccess(model, s, a) {
  const key = a.rw === "w" ? "player.access.write" : "player.access.read";
  return fill(s[key], {
    thread: threadName(model, a.thread), variable: label(model, a.obj), value: showValue(a.value), line: a.line,
  });
}

/** A mark's tooltip: the access, and the lost update it belongs to once it has happened. */
export function describeMark(model, s, hit) {
  const text = describeAccess(model, s, hit.access);
  if (!hit.lost) return text;
  const role = hit.access.i === hit.lost.read ? "read" : hit.access.i === hit.lost.overwritten ? "overwritten" : "write";
  // The analysis's sentence tells the winning write whole; the other two marks say their part.
  if (role === "write" && hit.lost.text) return `${s["player.lost"]}: ${hit.lost.text}`;
  return `${text} · ${s[`player.lost.${role}`]}`;
}

/** A step row under the pointer: "`counter` = 3", "`queue`: 2 queued". */
export function describeRow(model, s, hit) {
  const name = label(model, hit.row.obj);
  if (!hit.step) return fill(s["player.words.none"], { variable: name });
  if (hit.row.kind === "queue") return fill(s["player.words.queue"], { object: name, n: hit.step.value });
  return `${name} = ${showValue(hit.step.value)}`;
}

/** Every lane at event index `i`, one sentence each: threads, locks, queues, flags, variables. */
export function describeLanes(model, s, i) {
  const lines = model.threads.map((th, k) => {
    const seg = i >= 0 ? segmentAt(model.segments[k], i) : null;
    if (!seg) return `${th.name}: —`;
    let text = `${th.name}: ${s[`state.${seg.state}`]}`;
    if (seg.obj) text += ` · ${label(model, seg.obj)}`;
    const line = model.lines[i] && model.lines[i][k];
    if (line && seg.state !== "finished") text += ` · ${fill(s["player.words.line"], { line })}`;
    return text;
  });
  for (const [obj, bands] of model.lockBands) {
    const held = bands.filter((b) => b.from <= i && (b.to === null || b.to > i)).map((b) => threadName(model, b.thread));
    lines.push(held.length
      ? fill(s["player.words.held"], { object: label(model, obj), thread: held.join(", ") })
      : fill(s["player.words.free"], { object: label(model, obj) }));
  }
  for (const [obj, sizes] of model.queueSizes) {
    const now = sizes[Math.max(0, countUpTo(sizes, "i", i) - 1)];
    lines.push(fill(s["player.words.queue"], { object: label(model, obj), n: i >= 0 ? now.size : 0 }));
  }
  for (const [obj, states] of model.flags) {
    const now = states[Math.max(0, countUpTo(states, "i", i) - 1)];
    lines.push(fill(s[i >= 0 && now.on ? "player.words.set" : "player.words.clear"], { object: label(model, obj) }));
  }
  for (const variable of model.variables.values()) {
    const now = i >= 0 ? valueAt(variable, i) : undefined;
    if (now === undefined) {
      lines.push(fill(s["player.words.none"], { variable: variable.label }));
      continue;
    }
    let text = `${variable.label} = ${showValue(now.value)}`;
    const by = variable.accesses.find((a) => a.i === now.i && a.rw === "w");
    if (by) text += ` · ${fill(s["player.words.by"], { thread: threadName(model, by.thread), line: by.line })}`;
    lines.push(text);
  }
  return lines;
}

/** The narration with the reads, writes and lost updates it does not tell yet, each at its
 *  event (an analysis that narrates them wins: nothing is said twice). */
export function sharedNarration(narration, model, s) {
  if (!model.accesses.length && !model.lost.length) return narration;
  const told = new Set(narration.map((n) => n.index));
  const said = new Set(narration.map((n) => n.text));
  const extra = model.accesses.filter((a) => !told.has(a.i)).map((a) => ({ index: a.i, text: describeAccess(model, s, a) }));
  for (const u of model.lost) {
    if (u.text && !said.has(u.text)) extra.push({ index: u.write, text: `${s["player.lost"]}: ${u.text}`, lost: true });
  }
  // A stable sort: at one index the analysis's sentence first, then the access, then the loss.
  return [...narration, ...extra].sort((a, b) => a.index - b.index);
}
