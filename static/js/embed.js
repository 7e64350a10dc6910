// Inside an iframe: tell the page around us how tall we are, on load and on every change.
// Canvas resizes any iframe that posts {subject: "lti.frameResize", height}; other hosts can
// listen for {type: "hilos:resize", height, href} (see docs/embedding.md).

function post() {
  if (window.parent === window) return;
  const height = Math.ceil(document.documentElement.scrollHeight);
  window.parent.postMessage({ subject: "lti.frameResize", height }, "*");
  window.parent.postMessage({ type: "hilos:resize", height, href: location.href }, "*");
}

new ResizeObserver(post).observe(document.documentElement);
window.addEventListener("load", post);
post();
