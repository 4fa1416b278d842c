// Host board: hear what other hosts, participants and standby offers change, and offer a fresh view.
(function () {
  "use strict";
  const page = document.getElementById("event-page");
  const banner = document.getElementById("board-changes");
  if (!page || !banner) return;
  const filter = document.getElementById("board-filter");
  if (filter) filter.addEventListener("input", () => {
    const q = filter.value.toLowerCase();
    document.querySelectorAll("#board-table tbody tr").forEach((tr) => {
      tr.hidden = q !== "" && !tr.textContent.toLowerCase().includes(q);
    });
  });
  const socket = io({ transports: ["websocket", "polling"] });
  socket.on("connect", () => socket.emit("watch", { event: page.dataset.event }));
  function tell(text) {
    const link = document.createElement("a");
    link.href = page.dataset.gridUrl;
    link.textContent = "Show the fresh board";
    banner.replaceChildren(document.createTextNode(text + " "), link);
    banner.hidden = false;
  }
  socket.on("schedule_changed", (msg) => {
    const counts = {};
    for (const c of msg.changes || []) counts[c.kind] = (counts[c.kind] || 0) + 1;
    const what = Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(", ");
    tell(`${msg.why}: ${what || "no meeting changed"}; ${msg.participants.length} participants affected.`);
  });
  socket.on("offer_changed", (msg) => tell(`Standby offer ${msg.id} is ${msg.status}.`));
})();
