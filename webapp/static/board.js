// Host board: hear what other hosts, participants and standby offers change, and offer a fresh view;
// after the live connection was down for a while, fetch the board again and show it fresh.
(function () {
  "use strict";
  const page = document.getElementById("event-page");
  if (!page || !document.getElementById("board-changes")) return;
  const banner = () => document.getElementById("board-changes");
  document.addEventListener("input", (e) => {
    if (e.target.id !== "board-filter") return;
    const q = e.target.value.toLowerCase();
    document.querySelectorAll("#board-table tbody tr").forEach((tr) => {
      tr.hidden = q !== "" && !tr.textContent.toLowerCase().includes(q);
    });
  });
  function tell(text, link = true, cls = "") {
    const b = banner();
    b.className = "flash live" + (cls ? " " + cls : "");
    b.replaceChildren(document.createTextNode(text + " "));
    if (link) {
      const a = document.createElement("a");
      a.href = page.dataset.gridUrl;
      a.textContent = tr("fresh_board");
      b.append(a);
    }
    b.hidden = false;
  }
  async function refresh() {
    const resp = await fetch(page.dataset.gridUrl, { headers: { Accept: "text/html" } });
    if (resp.redirected && resp.url.includes("/login")) { tell(tr("logged_out"), false, "error"); return; }
    if (!resp.ok) return;
    const fresh = new DOMParser().parseFromString(await resp.text(), "text/html").getElementById("event-page");
    const version = (doc) => doc.querySelector("#schedule-version").textContent;
    const was = version(document), now = version(fresh);
    if (was === now) return;
    const filter = document.getElementById("board-filter");
    const q = filter ? filter.value : "";
    page.replaceChildren(...fresh.childNodes);
    const again = document.getElementById("board-filter");
    if (again && q) { again.value = q; again.dispatchEvent(new Event("input", { bubbles: true })); }
    tell(tr("offline_changed", { was, now }), false);
  }
  const socket = io({ transports: ["websocket", "polling"] });
  let connectedBefore = false;
  socket.on("connect", () => {
    socket.emit("watch", { event: page.dataset.event });
    if (connectedBefore) refresh();  // what was pushed while the socket was down never arrived
    connectedBefore = true;
  });
  socket.on("session_ended", (msg) => { tell(msg.message, false, "error"); socket.disconnect(); });
  socket.on("schedule_changed", (msg) => {
    const counts = {};
    for (const c of msg.changes || []) counts[c.kind] = (counts[c.kind] || 0) + 1;
    const what = Object.entries(counts).map(([k, n]) => tr("kind_" + k, { num: n })).join(", ");
    tell(tr("changed", { why: msg.why, what: what || tr("nothing_changed"), num: msg.participants.length }));
  });
  socket.on("offer_changed", (msg) => tell(tr("offer_" + msg.status, { id: msg.id })));
})();
