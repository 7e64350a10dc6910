// Inside an iframe: tell the page around us how tall we are, once the player has its size and
// then only when that changes. Canvas resizes any iframe that posts
// {subject: "lti.frameResize", height}; other hosts can listen for
// {type: "hilos:resize", height, href} (see docs/embedding.md). The player keeps its height
// while it plays (its story scrolls inside a box of fixed height, and room is kept for the
// run's ending), so a course page does not jump under the reader.

let sent = 0;
let due = false;

function post() {
  due = false;
  if (window.parent === window) return;
  const height = Math.ceil(document.documentElement.scrollHeight);
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
