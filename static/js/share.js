// The share / embed box: rebuild the iframe snippet from the chosen options, select the text
// of a field when it gets focus, and copy it with a button where the clipboard is available.

const DEFAULTS = { autoplay: "0", speed: "1", controls: "full", view: "steps", mode: "play", predict: "0" };

function escapeAttr(text) {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

function update(body) {
  const params = new URLSearchParams();
  body.querySelectorAll("[data-option]").forEach((input) => {
    const name = input.dataset.option;
    const value = input.type === "checkbox" ? (input.checked ? "1" : "0") : input.value;
    if (name === "lang" || value !== DEFAULTS[name]) params.set(name, value);
  });
  // A prediction is asked before a run plays: not in "You choose" or "Explore".
  if ((params.get("mode") || "play") !== "play") params.delete("predict");
  const src = `${body.dataset.embedBase}?${params}`;
  // The title screen readers announce, in the language the player will speak.
  const lang = params.get("lang") || "";
  const title = body.dataset[`title${lang.charAt(0).toUpperCase()}${lang.slice(1)}`] || body.dataset.title;
  body.querySelector("[data-share=snippet]").value =
    `<iframe src="${escapeAttr(src)}" title="${escapeAttr(title)}" width="100%" height="520" ` +
    `style="border:0" loading="lazy"></iframe>`;
}

async function copy(body, button) {
  const field = body.querySelector(`[data-share=${button.dataset.copy}]`);
  const status = body.querySelector(".copy-status");
  try {
    await navigator.clipboard.writeText(field.value);
    status.textContent = body.dataset.copied;
  } catch {
    field.focus();
    field.select(); // the clipboard was refused: the text is selected, ready for Ctrl+C
    status.textContent = "";
  }
}

function wire(scope) {
  scope.querySelectorAll(".share-body:not([data-wired])").forEach((body) => {
    body.dataset.wired = "1";
    body.addEventListener("change", () => update(body));
    body.querySelectorAll("input[readonly], textarea[readonly]").forEach((field) =>
      field.addEventListener("focus", () => field.select()));
    if (navigator.clipboard) {
      body.querySelectorAll("button[data-copy]").forEach((button) => {
        button.hidden = false;
        button.addEventListener("click", () => copy(body, button));
      });
    }
    body.addEventListener("change", () => (body.querySelector(".copy-status").textContent = ""));
    update(body);
  });
}

new MutationObserver(() => wire(document)).observe(document.documentElement, { childList: true, subtree: true });
wire(document);
