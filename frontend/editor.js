// The program editor: CodeMirror 6 with Python, bundled by scripts/setup.sh into
// static/vendor/editor.js (one file, no CDN). The page's own module (static/js/write.js) puts it
// over the form's <textarea>, which stays the form's field, so the page works without it.

import { EditorView, basicSetup } from "codemirror";
import { python } from "@codemirror/lang-python";
import { EditorState, Prec, StateEffect, StateField } from "@codemirror/state";
import { Decoration, keymap } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { HighlightStyle, indentUnit, syntaxHighlighting } from "@codemirror/language";
import { tags } from "@lezer/highlight";

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

// The site's look for the editor. It lives in a shadow root: CodeMirror's styles go into a
// constructed style sheet there, which the page's Content-Security-Policy (no inline styles)
// allows, where a <style> element in the document would be refused.
const look = EditorView.theme({
  "&": { height: "var(--editor-height, 24rem)", border: "1px solid #d5d8dc", borderRadius: "6px", background: "#fff", color: "#1d1d1f" },
  "&.cm-focused": { outline: "3px solid #ff9f1a", outlineOffset: "2px" },
  ".cm-scroller": { fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace', fontSize: "0.92rem", lineHeight: "1.45" },
  ".cm-gutters": { background: "#f5f6f8", color: "#55595e", borderRight: "1px solid #d5d8dc" },
  ".cm-error-line": { background: "#fdecea", boxShadow: "inset 4px 0 0 #a3261b" },
});

// Colours that keep at least 7:1 against the page and the current line's background.
const colours = HighlightStyle.define([
  { tag: [tags.keyword, tags.controlKeyword, tags.definitionKeyword, tags.moduleKeyword, tags.operatorKeyword], color: "#6a1b86" },
  { tag: [tags.string, tags.special(tags.string)], color: "#8a1c12" },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: "#0b5a2b" },
  { tag: [tags.comment, tags.lineComment], color: "#4f5357", fontStyle: "italic" },
  { tag: [tags.function(tags.definition(tags.variableName)), tags.definition(tags.className)], color: "#0b4a85" },
  { tag: tags.invalid, color: "#a3261b" },
]);

/** An editor in place of `textarea`, kept in step with it (the form posts the textarea). */
export function editorFor(textarea, { label, help, onRun, onChange } = {}) {
  const host = document.createElement("div");
  host.className = "editor-host";
  const shadow = host.attachShadow({ mode: "open" });
  const attributes = { "aria-label": label || "", "aria-multiline": "true" };
  if (help) {
    // An id reference cannot cross into the shadow root: the help is copied in beside it.
    const said = document.createElement("span");
    said.id = "editor-help";
    Object.assign(said.style, { position: "absolute", width: "1px", height: "1px", overflow: "hidden", clip: "rect(0 0 0 0)", whiteSpace: "nowrap" });
    said.textContent = help;
    shadow.append(said);
    attributes["aria-describedby"] = said.id;
  }
  const view = new EditorView({
    root: shadow,
    parent: shadow,
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        basicSetup,
        python(),
        syntaxHighlighting(colours),
        look,
        indentUnit.of("    "),
        // Tab indents; Escape then Tab leaves the editor (CodeMirror's own escape hatch).
        keymap.of([indentWithTab]),
        // Ctrl+Enter (Cmd+Enter) runs the program, before the default keymap's blank line.
        Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => (onRun ? (onRun(), true) : false) }])),
        errorLine,
        EditorView.contentAttributes.of(attributes),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return;
          textarea.value = update.state.doc.toString();
          if (onChange) onChange(textarea.value);
        }),
      ],
    }),
  });
  textarea.hidden = true;
  textarea.after(host);
  return {
    view,
    value: () => view.state.doc.toString(),
    /** Replace the whole text (one step that Ctrl+Z undoes). */
    setValue(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
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
