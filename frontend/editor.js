// The program editor: CodeMirror 6 with Python, bundled by scripts/setup.sh into
// static/vendor/editor.js (one file, no CDN). The page's own module (static/js/write.js) puts it
// over the form's <textarea>, which stays the form's field, so the page works without it.

import { EditorView, basicSetup } from "codemirror";
import { python } from "@codemirror/lang-python";
import { EditorState, StateEffect, StateField } from "@codemirror/state";
import { Decoration, keymap } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { indentUnit } from "@codemirror/language";

const setError = StateEffect.define();

// The line a problem points at, marked until the program changes.
const errorLine = StateField.define({
  create: () => Decoration.none,
  update(marks, tr) {
    if (tr.docChanged) marks = Decoration.none;
    for (const effect of tr.effects) {
      if (!effect.is(setError)) continue;
      const line = effect.value;
      if (!line || line > tr.state.doc.lines) return Decoration.none;
      const from = tr.state.doc.line(line).from;
      marks = Decoration.set([Decoration.line({ class: "cm-error-line", attributes: { "data-error-line": String(line) } }).range(from)]);
    }
    return marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

/** An editor in place of `textarea`, kept in step with it (the form posts the textarea). */
export function editorFor(textarea, { label, describedBy } = {}) {
  const attributes = { "aria-label": label || "", "aria-multiline": "true" };
  if (describedBy) attributes["aria-describedby"] = describedBy;
  const view = new EditorView({
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        basicSetup,
        python(),
        indentUnit.of("    "),
        // Tab indents; Escape then Tab leaves the editor (CodeMirror's own escape hatch).
        keymap.of([indentWithTab]),
        errorLine,
        EditorView.contentAttributes.of(attributes),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) textarea.value = update.state.doc.toString();
        }),
      ],
    }),
  });
  textarea.hidden = true;
  textarea.after(view.dom);
  return {
    view,
    value: () => view.state.doc.toString(),
    /** Mark line `n` (1-based; 0 clears) and bring it into view. */
    markLine(n) {
      const effects = [setError.of(n)];
      if (n && n <= view.state.doc.lines) effects.push(EditorView.scrollIntoView(view.state.doc.line(n).from, { y: "center" }));
      view.dispatch({ effects });
    },
    /** Put the cursor on line `n` and focus the editor. */
    goTo(n) {
      if (!n || n > view.state.doc.lines) return;
      const at = view.state.doc.line(n).from;
      view.dispatch({ selection: { anchor: at }, effects: EditorView.scrollIntoView(at, { y: "center" }) });
      view.focus();
    },
  };
}
