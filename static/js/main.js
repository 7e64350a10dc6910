// Mounts a player on every `.player[data-trace-url]`, including those htmx swaps in later.
import { isCurrent } from "./model.js";
import { showRun } from "./mount.js";

async function mount(root) {
  root.dataset.mounted = "loading";
  try {
    const json = { headers: { Accept: "application/json" } };
    // A run recorded in the other language: its sentences in the page's language, fetched
    // beside the run (the run's own analysis stays if that fails).
    const translated = root.dataset.analysisUrl
      ? fetch(root.dataset.analysisUrl, json).then((r) => (r.ok ? r.json() : null)).catch(() => null)
      : Promise.resolve(null);
    const response = await fetch(root.dataset.traceUrl, json);
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    const doc = await response.json();
    let analysis = await translated;
    // A run saved before the current analysis format: the server analyses its trace again.
    if (!analysis && !isCurrent(doc.analysis)) {
      const lang = root.dataset.lang || doc.lang || "en";
      const again = await fetch(`${root.dataset.traceUrl}/analysis?lang=${encodeURIComponent(lang)}`, json);
      if (again.ok) analysis = await again.json();
    }
    if (analysis) doc.analysis = analysis;
    showRun(root, doc);
    if (root.dataset.autoplay === "1") root.player.play();
  } catch (error) {
    root.dataset.mounted = "error";
    root.textContent = String(error);
  }
}

function mountAll(scope = document) {
  scope.querySelectorAll(".player[data-trace-url]:not([data-mounted])").forEach(mount);
}

new MutationObserver(() => mountAll()).observe(document.documentElement, { childList: true, subtree: true });
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => mountAll());
else mountAll();

// Boosted navigation swaps #page only: keep <html lang> right for screen readers, and move
// focus to the new content so keyboard users start where a full page load would put them.
document.addEventListener("htmx:after:swap", (event) => {
  const page = document.getElementById("page");
  if (page && page.dataset.lang) document.documentElement.lang = page.dataset.lang;
  if (event.target && event.target.id === "page") {
    const main = document.getElementById("content");
    if (main) main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }
});
