// Drafts: what someone typed in the editor, kept in this browser (localStorage) so that no
// reload, language switch or closed tab loses it. Each draft belongs to the page it was typed
// on, its origin: "write" (the blank editor), "scenario:<id>?<values>" (Edit this program) or
// "program:<id>" (a program's page). The most recent few are kept, newest first.

const KEY = "hilos.drafts";
const KEPT = 8;

function read() {
  try {
    const drafts = JSON.parse(localStorage.getItem(KEY) || "[]");
    return Array.isArray(drafts) ? drafts.filter((d) => d && typeof d.origin === "string" && typeof d.source === "string") : [];
  } catch {
    return []; // storage refused (private mode, a policy) or spoilt: no drafts
  }
}

function write(drafts) {
  try {
    localStorage.setItem(KEY, JSON.stringify(drafts.slice(0, KEPT)));
  } catch {
    // Full or refused: the editor still works, the draft is just not kept.
  }
}

/** The draft typed on `origin`, if any. */
export function draftOf(origin) {
  return read().find((d) => d.origin === origin) || null;
}

/** Every draft kept, newest first. */
export function allDrafts() {
  return read();
}

/** The most recent draft of any page. */
export function latestDraft() {
  return read()[0] || null;
}

/** Keep `source` as the draft of `origin`; `base` is what the page gave: a draft equal to it
 *  is no draft (the text went back to the page's own). */
export function keepDraft(origin, source, base) {
  const others = read().filter((d) => d.origin !== origin);
  write(source === base ? others : [{ origin, source, saved: Date.now() }, ...others]);
}
