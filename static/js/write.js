// "Write your own": the editor over the form's textarea, Ctrl+Enter to run, and the line a
// problem points at marked in the editor (with a button that goes there).
import { editorFor } from "../vendor/editor.js";

const editors = new WeakMap(); // form -> editor

function mount(scope = document) {
  scope.querySelectorAll("textarea#program-source:not([data-mounted])").forEach((textarea) => {
    textarea.dataset.mounted = "1";
    const form = textarea.form;
    const label = form.querySelector(`label[for="${textarea.id}"]`);
    const help = document.getElementById("editor-help");
    const editor = editorFor(textarea, {
      label: label ? label.firstChild.textContent.trim() : "",
      help: help ? help.textContent.trim() : "",
      onRun: () => form.requestSubmit(),
    });
    editors.set(form, editor);
    if (label) label.addEventListener("click", () => editor.view.focus());
    // The editor stands for the textarea now. Without its id, a boosted navigation to a page
    // with a new one does not carry this one's attributes over to it (htmx settles by id).
    textarea.removeAttribute("id");
    form.dataset.editor = "ready";
    showProblem();
  });
}

/** Mark the line the problem on screen points at (none: clear the mark). */
function showProblem() {
  // Once a program of the reader's ran, the editor no longer holds "an example to start from".
  if (document.querySelector("#program-result .program-link")) document.querySelector(".source-label .hint")?.remove();
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
document.addEventListener("htmx:after:swap", () => showProblem());
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => mount());
else mount();
