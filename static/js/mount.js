// Puts a run on screen: the page's words for the player, and a player over a run document.
// main.js mounts the runs a page names by address; choose.js the schedules it asks for.
import { Player, el } from "./player.js";
import { Prediction } from "./predict.js";

/** The player's words, handed over by the page as JSON. */
export function strings() {
  const node = document.getElementById("hilos-strings");
  return node ? JSON.parse(node.textContent) : {};
}

/** A player for `doc` inside `root` (already in the page: the lanes take its width). */
export function showRun(root, doc) {
  root.player = new Player(root, doc, strings());
  // Predict, then play: the scenario's question first (templates/_run_panel.html gives it).
  if (root.dataset.predict) new Prediction(root.player, JSON.parse(root.dataset.predict));
  root.dataset.mounted = "ready";
  root.dataset.readyMs = String(Math.round(performance.now())); // first frame drawn (benchmarks)
  return root.player;
}

/** Choices as the "You choose" address keeps them (parsed by pages.parse_choices): a run of one
 *  name as `name*N`, commas left as commas, so people can read it. */
export function encodeChoices(names) {
  const parts = [];
  for (let k = 0; k < names.length; ) {
    let n = 1;
    while (k + n < names.length && names[k + n] === names[k]) n++;
    const name = encodeURIComponent(names[k]);
    parts.push(n > 1 ? `${name}*${n}` : name);
    k += n;
  }
  return parts.join(",");
}

/** Put `text` in `box` as an error, with a button (`again`) that clears it and calls `retry`. */
export function showError(box, text, again, retry) {
  const message = el("p", { class: "error" }, text);
  if (retry) {
    const button = el("button", { type: "button", class: "retry" }, again);
    button.addEventListener("click", () => {
      box.replaceChildren();
      retry();
    });
    message.append(" ", button);
  }
  box.replaceChildren(message);
}
