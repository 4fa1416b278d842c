// Organiser console: live solve progress (phase in words, a bar that never goes back) and schedule updates
// over Socket.IO. The long lists are filtered and paged on the server (webapp/console_pages.py).
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  const page = document.getElementById("event-page");
  if (!page) return;
  const eventId = page.dataset.event;
  const box = document.getElementById("progress");
  const bar = document.getElementById("progress-bar");
  const text = document.getElementById("progress-text");
  const phase = document.getElementById("progress-phase");
  let shown = 0;  // the figure shown never goes back, whatever order messages arrive in
  function advance(percent) {
    shown = Math.max(shown, Math.min(100, percent || 0));
    if (bar) { bar.value = shown; bar.textContent = shown.toFixed(0) + "%"; }
  }
  const button = document.getElementById("solve-btn");
  // the page's words, translated by the server (event.html): "{name}" filled from `values`
  const words = JSON.parse((document.getElementById("i18n") || { textContent: "{}" }).textContent);
  function say(key, values) {
    return (words[key] || key).replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
  }
  // the solve's own words (webapp/progress.py page_words): gettext templates, "%(n)d", "%(gap).1f", "%%"
  const said = words.sentences || {};
  function fill(template, values) {
    return template.replace(/%\((\w+)\)(?:\.(\d+)f|[sd])/g, (_, name, digits) =>
      digits ? Number(values[name]).toFixed(Number(digits)) : String(values[name])).replace(/%%/g, "%");
  }
  function phaseWords(p) { return (said.phases || {})[p.phase] || p.words; }
  function quality(p) {
    if (!said.so_far) return p.sentence;
    if (p.gap === null || p.gap === undefined) return p.meetings ? fill(said.so_far, { n: p.meetings }) : said.none_yet;
    if (p.gap <= 1e-9) return fill(said.best, { n: p.meetings });
    return fill(said.better, { n: p.meetings, gap: 100 * p.gap });
  }
  function doneSentence(r) {
    if (!said.no_more) return r.sentence;
    return r.meetings >= r.upper_bound ? fill(said.no_more, { n: r.meetings })
      : fill(said.at_most, { n: r.meetings, bound: r.upper_bound });
  }

  function wireMoveForm() {
    const form = document.getElementById("move-form");
    if (!form) return;
    form.addEventListener("submit", () => {
      form.action = form.dataset.base + encodeURIComponent(document.getElementById("move-meeting").value) + "/move";
    });
  }
  wireMoveForm();

  async function refreshGrid() {
    const resp = await fetch(page.dataset.gridUrl, { headers: { Accept: "text/html" } });
    if (!resp.ok) return;
    const holder = document.createElement("div");
    holder.innerHTML = await resp.text();
    const grid = document.getElementById("grid");
    const fresh = holder.querySelector("#kpi-fresh");
    if (fresh && document.getElementById("kpis")) document.getElementById("kpis").innerHTML = fresh.innerHTML;
    if (fresh) fresh.remove();
    if (grid) grid.innerHTML = holder.innerHTML;
    wireMoveForm();
  }

  const socket = io({ transports: ["websocket", "polling"] });
  let connectedBefore = false;
  socket.on("connect", () => {
    socket.emit("watch", { event: eventId });
    if (connectedBefore) refreshGrid();  // changes pushed while the socket was down never arrived
    connectedBefore = true;
  });
  socket.on("session_ended", (msg) => {
    const note = document.createElement("div");
    note.className = "flash error";
    note.setAttribute("role", "status");
    note.textContent = msg.message;
    page.prepend(note);
    socket.disconnect();
  });
  socket.on("solve_progress", (p) => {
    if (!box) return;
    box.hidden = false;
    advance(p.percent);
    phase.textContent = say("progress", { words: phaseWords(p), percent: shown.toFixed(0), elapsed: p.elapsed.toFixed(1), limit: p.limit });
    text.textContent = quality(p);
  });
  socket.on("solve_done", async (r) => {
    if (box) {
      advance(100);
      phase.textContent = say("done", { seconds: r.seconds });
      text.textContent = `${doneSentence(r)} ` +
        say("summary", { gap: (100 * r.gap).toFixed(2), idle: r.idle_slots, unplaced: r.unscheduled });
    }
    if (button) button.disabled = false;
    document.querySelectorAll("button[disabled]").forEach((b) => { if (b.closest("form[action$='/publish']")) b.disabled = false; });
    await refreshGrid();
  });
  socket.on("solve_failed", (e) => { if (!text) return; text.textContent = say("failed", { error: e.error }); if (button) button.disabled = false; });
  socket.on("schedule_changed", () => refreshGrid());

  if (button) {
    if (page.dataset.solving === "yes") { button.disabled = true; box.hidden = false; }
    button.addEventListener("click", async () => {
      button.disabled = true;
      box.hidden = false;
      shown = 0;
      advance(0);
      phase.textContent = say("starting", {});
      text.textContent = "";
      const resp = await fetch(page.dataset.solveUrl, { method: "POST", headers: { "X-CSRFToken": csrf } });
      if (resp.status === 200) { const body = await resp.json(); if (body.preview) { window.location = body.preview; return; } }
      if (resp.status === 409 || resp.status === 503) { const body = await resp.json(); text.textContent = body.error; button.disabled = false; }
      else if (!resp.ok) { text.textContent = say("not_started", { status: resp.status }); button.disabled = false; }
    });
  }
})();
