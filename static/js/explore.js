// "Explore all interleavings": every order of the threads, grouped by how the run ends. The
// button asks the server for the search (POST /api/explorations): one already kept answers at
// once, one under way answers 202 and is polled for its progress until it is done. Each ending
// opens in "You choose" at its shortest schedule, an address that replays it.

import { encodeChoices, showError, strings } from "./mount.js";
import { el } from "./player.js";
import { fill } from "./describe.js";
import { showValue, useDecimalMark } from "./model.js";

const API = "/api/explorations";
const POLL_MS = 300;
const SAY_EVERY_MS = 5000; // the live region reads the progress at most this often

/** `href` with these values in its query, those at their default left out (as the server
 *  writes its addresses), and `extra` set (or, when null, taken out). A value not in `params`
 *  is this mode's default; `against` names the default the address leaves out: this mode's
 *  ("default", the values for exploring) or a run's ("run_default", for "You choose"). */
function withValues(href, fields, params, extra = {}, against = "default") {
  const url = new URL(href, location.href);
  for (const f of fields) {
    const value = f.name in params ? params[f.name] : f.default;
    if (value === f[against]) url.searchParams.delete(f.name);
    else url.searchParams.set(f.name, String(value));
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value === null) url.searchParams.delete(name);
    else url.searchParams.set(name, value);
  }
  return url.origin === location.origin ? url.pathname + url.search : url.href;
}

class Explorer {
  constructor(root) {
    this.root = root;
    this.s = strings();
    const data = root.dataset;
    this.lang = data.lang;
    useDecimalMark(this.lang);
    this.fields = JSON.parse(data.fields || "[]");
    this.defaultBound = Number(data.defaultPreemptions);
    this.number = new Intl.NumberFormat(this.lang);
    const find = (selector) => root.querySelector(selector);
    this.form = find(".explore-form");
    this.errorBox = find(".explore-error");
    this.status = find(".explore-status");
    this.idle = find(".explore-idle");
    this.progressBox = find(".explore-progress");
    this.progress = find("progress");
    this.count = find(".explore-count");
    this.covered = find(".explore-covered");
    this.said = find(".explore-said");
    this.results = find(".explore-results");
    this.token = 0; // the search on screen; an older one's answers are dropped
    this.request = null;
    this.result = null;
    this.saidAt = 0;
    this.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.start();
    });
    this.form.addEventListener("input", (ev) => ev.target.removeAttribute("aria-invalid"));
    root.dataset.state = "idle";
  }

  /** The form's values, as the API takes them ({params, preemptions}), or why one does not fit
   *  (in the page's words, from the server) and which field it is. */
  read() {
    const params = {};
    for (const f of this.fields) {
      let value;
      if (f.type === "bool") {
        const box = this.form.querySelector(`input[type=checkbox][name="${f.name}"]`);
        value = box.checked;
      } else {
        const input = this.form.querySelector(`input[name="${f.name}"]`);
        const text = input.value.trim();
        if (!text) {
          return { problem: input.validity.badInput ? fill(f.refusal, { got: "?" }) : f.empty, input };
        }
        value = Number(text);
        const fits = Number.isFinite(value) && value >= f.min && value <= f.max && (f.type !== "int" || Number.isInteger(value));
        if (!fits) return { problem: fill(f.refusal, { got: text }), input };
      }
      if (value !== f.default) params[f.name] = value;
    }
    return { params, preemptions: Number(this.form.elements.preemptions.value) };
  }

  start() {
    const read = this.read();
    for (const input of this.form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    if (read.problem) {
      this.fail(read.problem);
      read.input.setAttribute("aria-invalid", "true");
      read.input.focus();
      return;
    }
    // A program someone wrote carries its source and values; a scenario, its id.
    const given = this.root.dataset.request ? JSON.parse(this.root.dataset.request) : { scenario: this.root.dataset.scenario, params: {} };
    this.request = { ...given, lang: this.lang, params: { ...given.params, ...read.params }, preemptions: read.preemptions };
    this.remember(read.params, read.preemptions);
    this.post(this.request);
  }

  async post(request) {
    const token = ++this.token;
    this.errorBox.replaceChildren();
    this.running(true);
    let answer;
    try {
      answer = await fetch(API, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(request),
      });
    } catch {
      if (token === this.token) this.fail(this.s["player.explore.error.network"], () => this.post(request));
      return;
    }
    if (token === this.token) await this.answered(answer, token, () => this.post(request));
  }

  async poll(url, token) {
    if (token !== this.token || !this.root.isConnected) return; // replaced, or the page left
    let answer;
    try {
      answer = await fetch(url, { headers: { Accept: "application/json" } });
    } catch {
      if (token === this.token) {
        this.fail(this.s["player.explore.error.network"], () => {
          this.running(true, true);
          this.poll(url, token);
        });
      }
      return;
    }
    if (token !== this.token) return;
    if (answer.status === 404) {
      // The search ended without keeping a result (it failed, or the server restarted).
      const request = this.request;
      this.fail(this.s["player.explore.error.lost"], () => this.post(request));
      return;
    }
    await this.answered(answer, token, () => this.poll(url, token));
  }

  /** What an answer means: the result, progress to poll on, or why there is none. */
  async answered(answer, token, retry) {
    const s = this.s;
    let body = null;
    try {
      body = await answer.json();
    } catch {
      body = null;
    }
    if (token !== this.token) return;
    if (answer.status === 200 && body && body.status === "done") {
      this.show(body);
    } else if (answer.status === 200 && body && body.status === "failed") {
      // The search broke (the server says why); asking again starts it afresh.
      const request = this.request;
      this.fail(s["player.explore.error.lost"], () => this.post(request));
    } else if (answer.status === 202 && body) {
      this.tick(body);
      setTimeout(() => this.poll(body.url, token), POLL_MS);
    } else if (answer.status === 429) {
      this.fail(fill(s["player.explore.error.busy"], { s: answer.headers.get("Retry-After") || "5" }), retry);
    } else {
      const detail = body && typeof body.detail === "string" ? body.detail : `${answer.status} ${answer.statusText}`;
      this.fail(fill(s["player.explore.error.bad"], { detail }), answer.status >= 500 ? retry : null);
    }
  }

  /** The status slot: the progress while searching, else what the last result covered (or the
   *  hint before any). It keeps its height, so nothing below it moves. */
  running(on, resumed = false) {
    // While it runs the slot keeps the height of what it showed before (a longer sentence on
    // a narrow screen), so that the endings below stay put.
    this.status.style.minHeight = on ? `${this.status.getBoundingClientRect().height}px` : "";
    this.progressBox.hidden = !on;
    this.covered.hidden = on || !this.result;
    this.idle.hidden = on || Boolean(this.result);
    this.results.classList.toggle("stale", on);
    this.results.setAttribute("aria-busy", String(on));
    this.root.dataset.state = on ? "running" : this.result ? "done" : "idle";
    if (on && !resumed) {
      this.progress.removeAttribute("value"); // indeterminate until the first count
      this.count.textContent = this.s["player.explore.started"];
      this.say(this.s["player.explore.started"]);
    }
  }

  tick(job) {
    const s = this.s;
    const max = job.max_schedules || Number(this.progress.max);
    const done = Math.min(job.progress.schedules, max);
    this.progress.max = max;
    this.progress.value = done;
    const text = fill(s["player.explore.progress"], {
      n: this.number.format(done), max: this.number.format(max), runs: this.number.format(job.progress.runs),
    });
    this.count.textContent = text;
    this.root.dataset.schedules = String(done);
    if (performance.now() - this.saidAt > SAY_EVERY_MS) this.say(`${s["player.explore.progress.label"]}: ${text}`);
  }

  say(text) {
    this.said.textContent = text;
    this.saidAt = performance.now();
  }

  fail(text, retry = null) {
    showError(this.errorBox, text, this.s["player.explore.retry"], retry);
    if (this.root.dataset.state === "running") this.running(false);
    this.root.dataset.state = "error";
  }

  show(result) {
    this.result = result;
    this.errorBox.replaceChildren();
    this.running(false);
    const coverage = this.coverage(result);
    this.covered.textContent = coverage;
    this.root.dataset.covered = result.covered;
    this.root.dataset.endings = String(result.outcomes.length);
    if (!result.outcomes.length) {
      const none = this.s["player.explore.no_endings"];
      this.results.replaceChildren(el("p", { class: "explore-none" }, none));
      this.say(`${coverage} ${none}`);
      return;
    }
    const table = this.table(result);
    this.results.replaceChildren(table);
    this.say(`${table.caption.firstChild.textContent}. ${coverage}`);
  }

  plural(key, n) {
    const one = this.s[`${key}.one`];
    return fill(n === 1 && one ? one : this.s[key], { n: this.number.format(n) });
  }

  /** The endings' heading, no wider than what the search covered: only a whole search says
   *  how the program can end; a bound or a sample says what it found there. */
  caption(result) {
    const zero = result.covered === "bounded" && result.preemptions === 0 ? ".zero" : "";
    const key = `player.explore.caption.${result.covered}${zero}`;
    const n = result.outcomes.length;
    const one = this.s[`${key}.one`];
    return fill(n === 1 && one ? one : this.s[key], {
      n: this.number.format(n),
      tried: this.plural("player.explore.tried", result.explored),
      preemptions: this.plural("player.explore.preemptions.n", result.preemptions),
    });
  }

  /** "All interleavings explored: 29 schedules." and the like. */
  coverage(result) {
    const zero = result.covered === "bounded" && result.preemptions === 0 ? ".zero" : "";
    const sentence = this.s[`player.explore.covered.${result.covered}${zero}`] || result.covered;
    return fill(sentence, {
      schedules: this.plural("player.explore.schedules", result.explored),
      preemptions: this.plural("player.explore.preemptions.n", result.preemptions),
    });
  }

  /** The values the search ran with, in words: "Threads: 2 · Additions per thread: 1 · …". */
  values(result) {
    const data = this.root.dataset;
    const shown = this.fields.map((f) => {
      const value = f.name in result.params ? result.params[f.name] : f.default;
      const text = typeof value === "boolean" ? (value ? data.yes : data.no) : this.number.format(value);
      return `${f.label}: ${text}`;
    });
    shown.push(`${this.s["player.explore.preemptions"]}: ${this.number.format(result.limits.preemptions)}`);
    return shown.join(" · ");
  }

  table(result) {
    const s = this.s;
    const endings = result.outcomes;
    const total = endings.reduce((sum, e) => sum + e.count, 0) || 1;
    const withFinal = endings.some((e) => Object.keys(e.final).length);
    const withOutput = endings.some((e) => e.output.length);
    const columns = ["status", withFinal && "final", withOutput && "output", "count", "witness"].filter(Boolean);
    // Explicit roles: a narrow screen lays the rows out as cards (site.css), and some browsers
    // drop a table's semantics once its cells are not displayed as cells.
    const head = el("tr", { role: "row" }, ...columns.map((c) => el("th", { scope: "col", role: "columnheader" }, s[`player.explore.col.${c}`])));
    const id = `ending-${Math.random().toString(36).slice(2, 8)}`;
    const rows = endings.map((e, k) => {
      const rowId = `${id}-${k}`;
      const cells = [this.statusCell(e, `${rowId}-status`)];
      if (withFinal) cells.push(this.finalCell(e, `${rowId}-final`));
      if (withOutput) cells.push(this.outputCell(e, `${rowId}-output`));
      cells.push(this.countCell(e, total), this.witnessCell(e, result, cells.map((c) => c.id).join(" ")));
      cells.forEach((cell, c) => {
        if (c) cell.dataset.label = s[`player.explore.col.${columns[c]}`]; // shown on a narrow screen
      });
      return el("tr", { role: "row", "data-status": e.status }, ...cells);
    });
    const caption = el("caption", {}, this.caption(result),
      el("span", { class: "explore-values" }, this.values(result)));
    return el("table", { class: "endings", role: "table" }, caption,
      el("thead", { role: "rowgroup" }, head), el("tbody", { role: "rowgroup" }, ...rows));
  }

  statusCell(e, cellId) {
    const s = this.s;
    const cell = el("th", { scope: "row", role: "rowheader", id: cellId },
      el("span", { class: `badge outcome-${e.status}` }, s[`outcome.${e.status}`] || e.status));
    if (e.cycle && e.cycle.length) {
      cell.append(el("span", { class: "explore-cycle" }, fill(s["player.explore.cycle"], { threads: e.cycle.join(", ") })));
    }
    return cell;
  }

  finalCell(e, cellId) {
    const names = Object.keys(e.final);
    if (!names.length) return el("td", { role: "cell", id: cellId, class: "none" }, this.s["player.explore.nothing"]);
    return el("td", { role: "cell", id: cellId }, ...names.map((name) => el("code", {}, `${name} = ${showValue(e.final[name])}`)));
  }

  outputCell(e, cellId) {
    if (!e.output.length) return el("td", { role: "cell", id: cellId, class: "none" }, this.s["player.explore.nothing"]);
    return el("td", { role: "cell", id: cellId }, el("samp", {}, showValue(e.output[e.output.length - 1], 120)));
  }

  countCell(e, total) {
    const share = e.count / total;
    // One decimal near the ends, so that 247 of 248 does not read as 100 %.
    const fine = share < 0.1 || (share > 0.9 && share < 1);
    const percent = new Intl.NumberFormat(this.lang, { style: "percent", maximumFractionDigits: fine ? 1 : 0 });
    const text = `${fill(this.s["player.explore.count"], { n: this.number.format(e.count), total: this.number.format(total) })} · ${percent.format(share)}`;
    const bar = el("span", { class: "explore-bar", "aria-hidden": "true" }, el("span"));
    bar.firstChild.style.width = `${Math.max(share * 100, 1)}%`; // CSSOM: the CSP allows it
    return el("td", { role: "cell", class: "count" }, el("span", {}, text), bar);
  }

  witnessCell(e, result, describedBy) {
    const s = this.s;
    const base = withValues(this.root.dataset.chooseUrl, this.fields, result.params, {}, "run_default");
    const choices = e.schedule.length ? `${base.includes("?") ? "&" : "?"}choices=${encodeChoices(e.schedule)}` : "";
    const href = `${base}${choices}`;
    const link = el("a", { href, class: "show-me", "aria-describedby": describedBy, title: s["player.explore.show.title"] }, s["player.explore.show"]);
    const how = fill(s["player.explore.witness"], {
      decisions: this.plural("player.explore.decisions", e.schedule.length),
      preemptions: this.plural("player.explore.preemptions.n", e.preemptions),
    });
    return el("td", { role: "cell", class: "witness" }, link, el("span", { class: "explore-how" }, how));
  }

  /** The address, the other modes, the other language and "Open in Hilos" keep these values. */
  remember(params, preemptions) {
    const bound = { preemptions: preemptions === this.defaultBound ? null : String(preemptions) };
    const here = new URL(withValues(location.href, this.fields, params, bound), location.href).href;
    if (here !== location.href) history.replaceState(history.state, "", here);
    for (const link of document.querySelectorAll("#modes a")) {
      const mode = new URL(link.href).searchParams.get("mode");
      if (mode === "choose") link.href = withValues(link.href, this.fields, params, {}, "run_default");
      else if (mode === "explore") link.href = withValues(link.href, this.fields, params, bound);
    }
    for (const link of document.querySelectorAll(".langs a[hreflang], a[data-open]")) {
      link.href = withValues(link.href, this.fields, params, bound);
    }
  }
}

function mountAll() {
  document.querySelectorAll(".explore-panel:not([data-mounted])").forEach((root) => {
    root.dataset.mounted = "1";
    root.explorer = new Explorer(root);
  });
}

new MutationObserver(mountAll).observe(document.documentElement, { childList: true, subtree: true });
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
else mountAll();
