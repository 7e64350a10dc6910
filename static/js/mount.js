// Puts a run on screen: the page's words for the player, and a player over a run document.
// main.js mounts the runs a page names by address; choose.js the schedules it asks for.
import { Player } from "./player.js";

/** The player's words, handed over by the page as JSON. */
export function strings() {
  const node = document.getElementById("hilos-strings");
  return node ? JSON.parse(node.textContent) : {};
}

/** A player for `doc` inside `root` (already in the page: the lanes take its width). */
export function showRun(root, doc) {
  root.player = new Player(root, doc, strings());
  root.dataset.mounted = "ready";
  root.dataset.readyMs = String(Math.round(performance.now())); // first frame drawn (benchmarks)
  return root.player;
}
