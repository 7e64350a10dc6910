// The player's words for what the canvas draws: a read or write mark, a lost update, every lane
// at the playhead (the text alternative of the picture), and the reads and writes the
// narration does not tell. No DOM here.

import { holdersAt, itemsAt, label, lineAt, segmentAt, showValue, stepAt, threadName, valueAt } from "./model.js";

export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? String(values[key]) : `{${key}}`));
}

/** A thread of a stall and the wait it cannot leave: "MainThread waits in join() of `q`". */
export function describeStallStep(model, s, wait) {
  const kind = `${wait.kind === "queue_join" ? "join" : wait.kind}()`;
  const object = wait.object ? label(model, wait.object) : "—";
  return fill(s["player.stall.step"], { thread: threadName(model, wait.thread), object, kind });
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
  if (hit.row.kind === "queue") return queueWords(model, s, hit.row.obj, hit.at, hit.step.value);
  if (hit.row.kind === "tasks") return `${name}: ${fill(s["player.tasks.now"], { n: hit.step.value })}`;
  if (hit.row.kind === "barrier") {
    return `${name}: ${fill(s["player.barrier.now"], { k: hit.step.value, n: model.barriers.get(hit.row.obj).parties ?? "?" })}`;
  }
  return `${name} = ${showValue(hit.step.value)}`;
}

/** "`q`: 2 in the queue: [1, 2]" */
function queueWords(model, s, obj, i, n) {
  const items = itemsAt(model, obj, i, 8).map((v) => showValue(v, 20));
  const more = n > items.length ? ", …" : "";
  return fill(s["player.words.queue"], { object: label(model, obj), n }) + (n ? `: [${items.join(", ")}${more}]` : "");
}

/** Every lane at event index `i`, one sentence each: threads (their state, what they wait
 *  for and who holds it, their line), locks, queues, barriers, flags, variables. */
export function describeLanes(model, s, i) {
  const lines = model.threads.map((th, k) => {
    const seg = i >= 0 ? segmentAt(model.segments[k], i) : null;
    const name = th.daemon ? `${th.name} (${s["player.daemon"]})` : th.name;
    if (!seg) return `${name}: —`;
    let text = `${name}: ${s[`state.${seg.state}`]}`;
    if (seg.obj) {
      const held = seg.state === "blocked" ? holdersAt(model, seg.obj, i).filter((h) => h !== th.id) : [];
      text += held.length
        ? ` · ${fill(s["player.words.waits"], { object: label(model, seg.obj), holder: held.map((h) => threadName(model, h)).join(", ") })}`
        : ` · ${label(model, seg.obj)}`;
    } else if (seg.joined !== null && seg.joined !== undefined) text += ` · ${threadName(model, seg.joined)}`;
    const line = lineAt(model, k, i);
    if (line && seg.state !== "finished") text += ` · ${fill(s["player.words.line"], { line })}`;
    return text;
  });
  for (const obj of model.lockBands.keys()) {
    const held = i >= 0 ? holdersAt(model, obj, i).map((t) => threadName(model, t)) : [];
    lines.push(held.length
      ? fill(s["player.words.held"], { object: label(model, obj), thread: held.join(", ") })
      : fill(s["player.words.free"], { object: label(model, obj) }));
  }
  for (const [obj, sizes] of model.queueSizes) {
    lines.push(queueWords(model, s, obj, i, i >= 0 ? stepAt(sizes, i) : 0));
    const q = model.queues.get(obj);
    if (q && q.unfinished) lines.push(`${label(model, obj)}: ${fill(s["player.tasks.now"], { n: i >= 0 ? stepAt(q.unfinished, i) : 0 })}`);
  }
  for (const [obj, barrier] of model.barriers) {
    lines.push(`${label(model, obj)}: ${fill(s["player.barrier.now"], { k: i >= 0 ? stepAt(barrier.steps, i) : 0, n: barrier.parties ?? "?" })}`);
  }
  for (const [obj, states] of model.flags) {
    const on = i >= 0 && stepAt(states, i);
    lines.push(fill(s[on ? "player.words.set" : "player.words.clear"], { object: label(model, obj) }));
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
  // Only sentences written whole can repeat a lost update's: the others are not rendered here.
  const said = new Set(narration.filter((n) => n.key === undefined || n.key === "said").map((n) => n.text));
  const extra = model.accesses.filter((a) => !told.has(a.i)).map((a) => ({ index: a.i, text: describeAccess(model, s, a) }));
  for (const u of model.lost) {
    if (u.text && !said.has(u.text)) extra.push({ index: u.write, text: `${s["player.lost"]}: ${u.text}`, lost: true });
  }
  // A stable sort: at one index the analysis's sentence first, then the access, then the loss.
  return [...narration, ...extra].sort((a, b) => a.index - b.index);
}
