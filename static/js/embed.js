// Inside an iframe: tell the page around us how tall we are, once the player has its size and
// then only when that changes. Canvas resizes any iframe that posts
// {subject: "lti.frameResize", height}; other hosts can listen for
// {type: "hilos:resize", height, href} (see docs/embedding.md). The player keeps its height
// while it plays (its story scrolls inside a box of fixed height, and room is kept for the
// run's ending), so a course page does not jump under the reader.

let sent = 0;
let due = false;

/** How tall the content is: not the document's scrollHeight, which is never less than the
 *  frame's own height (a frame told that could never shrink). */
function contentHeight() {
  const main = document.querySelector("main") || document.body;
  return Math.ceil(main.getBoundingClientRect().bottom + window.scrollY);
}

function post() {
  due = false;
  if (window.parent === window) return;
  // A player still loading has no height worth telling: its run is on its way.
  if (document.querySelector(".player[data-mounted=loading]")) return;
  const height = contentHeight();
  if (height === sent) return;
  sent = height;
  window.parent.postMessage({ subject: "lti.frameResize", height }, "*");
  window.parent.postMessage({ type: "hilos:resize", height, href: location.href }, "*");
}

/** One message per frame at most: a layout settles in several steps. */
function schedule() {
  if (due) return;
  due = true;
  requestAnimationFrame(post);
}

new ResizeObserver(schedule).observe(document.documentElement);
window.addEventListener("load", schedule);
schedule();
