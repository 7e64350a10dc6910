// "Write your own": the editor over the form's textarea, Ctrl+Enter to run, the line a problem
// points at marked in the editor (with a button that goes there), and the draft kept in this
// browser (drafts.js) so that a reload or a language switch never loses what was typed.
import { editorFor } from "../vendor/editor.js";
import { allDrafts, draftOf, keepDraft, latestDraft } from "./drafts.js";

const editors = new WeakMap(); // form -> editor
const kept = new WeakMap(); // form -> its draft

function mount(scope = document) {
  scope.querySelectorAll("textarea#program-source:not([data-mounted])").forEach((textarea) => {
    textarea.dataset.mounted = "1";
    const form = textarea.form;
    const label = form.querySelector(`label[for="${textarea.id}"]`);
    const help = document.getElementById("editor-help");
    const drafts = draftsOf(form, textarea);
    const editor = editorFor(textarea, {
      label: label ? label.firstChild.textContent.trim() : "",
      help: help ? help.textContent.trim() : "",
      onRun: () => form.requestSubmit(),
      onChange: (text) => drafts.changed(text),
    });
    editors.set(form, editor);
    drafts.attach(editor);
    kept.set(form, drafts);
    if (label) label.addEventListener("click", () => editor.view.focus());
    // The editor stands for the textarea now. Without its id, a boosted navigation to a page
    // with a new one does not carry this one's attributes over to it (htmx settles by id).
    textarea.removeAttribute("id");
    form.dataset.editor = "ready";
    showProblem();
  });
}

/**
 * The form's draft: restored before the editor opens, kept as it changes, offered when it
 * belongs to another page. The blank editor ("write") opens with the latest draft of any
 * page; "Edit this program" and a program's page open with their own draft, else with what
 * the page gives (on "Edit this program", the latest draft is offered beside it). Every
 * other draft kept is listed under the editor, one click away.
 */
function draftsOf(form, textarea) {
  const page = textarea.defaultValue; // what the server put in the editor
  let base = page;
  const origin = () => form.dataset.draft || "write";
  const kind = origin().split(":")[0];
  const own = kind === "write" ? latestDraft() : draftOf(origin());
  const restored = own && own.source !== page ? own : null;
  const latest = latestDraft();
  const offered = !restored && kind === "scenario" && latest && latest.source !== page ? latest : null;
  if (restored) textarea.value = restored.source;
  const note = form.querySelector(".draft-note");
  const others = form.querySelector("details.drafts");
  const lang = document.documentElement.lang || undefined;
  const when = (draft) => new Date(draft.saved || Date.now()).toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
  const hint = form.querySelector(".source-label .hint");
  let editor = null;
  let quiet = false; // the page, not the person, is changing the text

  function say(state, at) {
    if (!note) return;
    const words = note.dataset;
    note.querySelector("span").textContent = state === "restored" ? words.restored : words.offered.replace("{when}", at);
    note.querySelector("button").textContent = state === "restored" ? words.original : words.open;
    note.dataset.state = state;
    note.hidden = false;
  }

  function swap(text) {
    quiet = true;
    try {
      editor.setValue(text);
    } finally {
      quiet = false;
    }
  }

  /** List every kept draft but the one in the editor, each with a button that opens it. */
  function listOthers() {
    if (!others) return;
    const shown = editor.value();
    const items = allDrafts().filter((d) => d.source !== shown).map((draft) => {
      const item = document.createElement("li");
      const open = document.createElement("button");
      open.type = "button";
      open.className = "link-button";
      open.textContent = others.dataset.open;
      open.addEventListener("click", () => {
        swap(draft.source);
        if (note) note.hidden = true;
        listOthers();
      });
      // When, where (a scenario's or a program's id) and its first telling line.
      const [kind, rest] = draft.origin.split(":");
      const time = document.createElement("span");
      time.textContent = kind === "write" ? when(draft) : `${when(draft)} · ${rest.split("?")[0]}`;
      const lines = draft.source.split("\n").filter((line) => line.trim());
      const first = document.createElement("code");
      first.textContent = lines.find((line) => !/^(import|from)\s/.test(line)) || lines[0] || "";
      item.append(open, time, first);
      return item;
    });
    others.querySelector("ul").replaceChildren(...items);
    others.hidden = items.length === 0;
  }

  function showHint(text) {
    // "An example to start from" only while the editor holds the example.
    if (hint) hint.hidden = text !== page;
  }

  return {
    attach(opened) {
      editor = opened;
      showHint(editor.value());
      listOthers();
      if (!note || !(restored || offered)) return;
      const held = when(restored || offered);
      say(restored ? "restored" : "offered", held);
      let other = offered ? offered.source : base; // the text the button brings
      note.querySelector("button").addEventListener("click", () => {
        const shown = editor.value();
        swap(other);
        other = shown;
        say(note.dataset.state === "restored" ? "offered" : "restored", held);
        listOthers();
      });
    },
    changed(text) {
      showHint(text);
      if (quiet) return;
      if (note) note.hidden = true;
      keepDraft(origin(), text, base);
    },
    /** The form's program ran and was kept at `id`: from now on the draft is that program's. */
    ran(id) {
      form.dataset.draft = `program:${id}`;
      base = editor.value();
    },
  };
}

/** Mark the line the problem on screen points at (none: clear the mark). */
function showProblem() {
  const form = document.querySelector("form.program-form");
  const editor = form && editors.get(form);
  if (!editor) return;
  const problem = document.querySelector("#run-error .program-problem, #program-result .program-problem");
  const line = problem ? Number(problem.dataset.line) || 0 : 0;
  editor.markLine(line);
  const button = problem && problem.querySelector("button[data-goto-line]");
  if (button && line) {
    button.hidden = false;
    button.onclick = () => editor.goTo(line);
  }
}

new MutationObserver(() => mount()).observe(document.documentElement, { childList: true, subtree: true });
document.addEventListener("htmx:after:swap", () => {
  const form = document.querySelector("form.program-form");
  const ran = document.querySelector("#program-result[data-program]");
  if (form && ran && kept.has(form) && form.dataset.draft !== `program:${ran.dataset.program}`) {
    kept.get(form).ran(ran.dataset.program);
  }
  showProblem();
});
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => mount());
else mount();
