// The lanes' colours, patterns and marks, and the legend drawn from them (one source: the
// legend's swatches are painted with the very styles the lanes use). Thread colours tell
// threads apart, state colours and patterns tell states apart, under the common colour
// blindnesses too (tests/test_palette.py simulates them).

// Thread identity: distinct from one another and from "running" under protanopia,
// deuteranopia and tritanopia (tests/test_palette.py simulates them).
export const THREAD_COLORS = ["#0070be", "#ff431b", "#c27cbc", "#649306", "#55b7f7", "#3f2438", "#b53d6a", "#429c92"];
// States: a colour each, distinct under the same simulations, and a pattern each.
export const STATE_STYLE = {
  running: { fill: "#2f7d4a", pattern: null },
  // Holds the lock it was handed, but waits for the interpreter to run again.
  ready: { fill: "#a6d9ae", pattern: "vertical" },
  blocked: { fill: "#b12e06", pattern: "diagonal" },
  waiting: { fill: "#f09900", pattern: "dots" },
  sleeping: { fill: "#2d73f6", pattern: "lines" },
  finished: { fill: "#9aa0a6", pattern: null },
};
export const STATES = Object.keys(STATE_STYLE);

export function threadColor(k) {
  return THREAD_COLORS[k % THREAD_COLORS.length];
}

/** Dark text on a light colour, white on a dark one. */
export function inkOn(hex) {
  const [r, g, b] = [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? "#1d1d1f" : "#fff";
}

export function patternTile(kind, fill) {
  const tile = document.createElement("canvas");
  tile.width = tile.height = 8;
  const c = tile.getContext("2d");
  c.fillStyle = fill;
  c.fillRect(0, 0, 8, 8);
  c.strokeStyle = "rgba(255,255,255,0.75)";
  c.fillStyle = "rgba(255,255,255,0.8)";
  c.lineWidth = 2;
  if (kind === "diagonal") {
    c.beginPath();
    c.moveTo(0, 8);
    c.lineTo(8, 0);
    c.stroke();
  } else if (kind === "dots") {
    c.beginPath();
    c.arc(4, 4, 1.5, 0, Math.PI * 2);
    c.fill();
  } else if (kind === "lines") {
    c.fillRect(0, 3, 8, 2);
  } else if (kind === "vertical") {
    c.fillRect(3, 0, 2, 8);
  }
  return tile;
}

const SVG = "http://www.w3.org/2000/svg";

/** A legend swatch drawn from the same style as the lanes (one source for colours). */
function swatch(state) {
  const { fill: color, pattern } = STATE_STYLE[state];
  const tile = patternTile(pattern, color);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 12");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "swatch");
  const image = document.createElementNS(SVG, "rect");
  const thin = state === "finished";
  image.setAttribute("y", thin ? "4" : "0");
  image.setAttribute("width", "24");
  image.setAttribute("height", thin ? "4" : "12");
  image.setAttribute("fill", color);
  svg.append(image);
  if (pattern) {
    const img = document.createElementNS(SVG, "image");
    img.setAttribute("href", tile.toDataURL());
    for (const x of [0, 8, 16]) {
      const copy = img.cloneNode();
      copy.setAttribute("x", String(x));
      copy.setAttribute("width", "8");
      copy.setAttribute("height", "8");
      const copy2 = copy.cloneNode();
      copy2.setAttribute("y", "8");
      svg.append(copy, copy2);
    }
  }
  return svg;
}

/** The marks a run may carry, drawn on a canvas (the lanes) or a small one (the legend). */
export function paintMark(ctx, kind, x, y) {
  ctx.save();
  if (kind === "stopped") {
    // An octagon, as a stop sign: Hilos stopped the thread where it stood.
    ctx.beginPath();
    for (let k = 0; k < 8; k++) {
      const a = Math.PI / 8 + (k * Math.PI) / 4;
      ctx.lineTo(x + 7 * Math.cos(a), y + 7 * Math.sin(a));
    }
    ctx.closePath();
    ctx.fillStyle = "#1d1d1f";
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 1.5;
    ctx.fill();
    ctx.stroke();
    ctx.fillStyle = "#fff";
    ctx.fillRect(x - 4, y - 1.25, 8, 2.5);
  } else if (kind === "daemon") {
    // A cut: two slanted strokes across the lane.
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 5;
    for (const pass of [0, 1]) {
      ctx.beginPath();
      ctx.moveTo(x - 5, y + 9);
      ctx.lineTo(x - 1, y - 9);
      ctx.moveTo(x + 1, y + 9);
      ctx.lineTo(x + 5, y - 9);
      ctx.stroke();
      ctx.strokeStyle = "#1d1d1f";
      ctx.lineWidth = 2;
      if (pass) break;
    }
  } else if (kind === "timer_cancel") {
    // A crossed circle: the Timer will not fire.
    ctx.beginPath();
    ctx.arc(x, y, 6.5, 0, Math.PI * 2);
    ctx.fillStyle = "#fff";
    ctx.fill();
    ctx.strokeStyle = "#1d1d1f";
    ctx.lineWidth = 2;
    ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(x - 3.5, y - 3.5);
    ctx.lineTo(x + 3.5, y + 3.5);
    ctx.moveTo(x + 3.5, y - 3.5);
    ctx.lineTo(x - 3.5, y + 3.5);
    ctx.stroke();
  }
  ctx.restore();
}

function markSwatch(kind) {
  const c = document.createElement("canvas");
  c.width = c.height = 36;
  c.setAttribute("aria-hidden", "true");
  c.className = "swatch mark-swatch";
  const ctx = c.getContext("2d");
  ctx.scale(2, 2);
  ctx.fillStyle = "#eef0f2";
  ctx.fillRect(0, 3, 18, 12);
  paintMark(ctx, kind, 9, 9);
  return c;
}

/** The legend: the states, each with its pattern, and the marks this run has. */
export function buildLegend(model, s) {
  const ul = document.createElement("ul");
  ul.className = "legend";
  ul.setAttribute("aria-label", s["player.legend"]);
  const item = (cls, mark, text) => {
    const li = document.createElement("li");
    li.className = cls;
    li.append(mark, text);
    ul.append(li);
    return li;
  };
  for (const state of STATES) item(`mark state-${state}`, swatch(state), s[`state.${state}`]);
  const kinds = new Set(model.marks.map((m) => m.kind));
  for (const kind of ["stopped", "daemon", "timer_cancel"]) {
    if (kinds.has(kind)) item(`mark mark-${kind}`, markSwatch(kind), s[`player.mark.${kind}`]);
  }
  return ul;
}

