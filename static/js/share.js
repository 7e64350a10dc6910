// The share / embed box: rebuild the iframe snippet from the chosen options, and select the
// text of a field when it gets focus so it is ready to copy.

const DEFAULTS = { autoplay: "0", speed: "1", controls: "full", view: "steps" };

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
  const src = `${body.dataset.embedBase}?${params}`;
  body.querySelector("[data-share=snippet]").value =
    `<iframe src="${escapeAttr(src)}" title="${escapeAttr(body.dataset.title)}" width="100%" height="520" ` +
    `style="border:0" allow="fullscreen" allowfullscreen loading="lazy"></iframe>`;
}

function wire(scope) {
  scope.querySelectorAll(".share-body:not([data-wired])").forEach((body) => {
    body.dataset.wired = "1";
    body.addEventListener("change", () => update(body));
    body.querySelectorAll("input[readonly], textarea[readonly]").forEach((field) =>
      field.addEventListener("focus", () => field.select()));
    update(body);
  });
}

new MutationObserver(() => wire(document)).observe(document.documentElement, { childList: true, subtree: true });
wire(document);
