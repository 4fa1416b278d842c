// Participant portal: the agenda updates itself when the schedule changes, and says what changed.
(function () {
  "use strict";
  const root = document.getElementById("portal");
  if (!root) return;
  const list = document.getElementById("agenda");
  const banner = document.getElementById("changes");

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;  // text only: names are never parsed as HTML
    return e;
  }

  function render(agenda) {
    list.replaceChildren();
    if (!agenda.length) { list.append(el("li", "muted", "No meetings yet.")); return; }
    for (const a of agenda) {
      const li = el("li", "meeting st-" + a.status + (a.phase ? " phase-" + a.phase : ""));
      li.dataset.meeting = a.id;
      const when = el("div", "when");
      when.append(el("b", "", a.time), el("span", "", a.day), el("small", "", a.event_time));
      if (a.phase === "now" || a.phase === "next") when.append(el("span", "tag phase", a.phase));
      const what = el("div", "what");
      what.append(el("b", "", a.other), document.createTextNode(" "), el("span", "muted", a.other_country),
        el("div", "small", a.other_offers));
      const info = el("div", "small");
      if (a.status === "cancelled") info.append(el("span", "tag st-cancelled", "cancelled"));
      else if (a.status === "no_show") info.append(el("span", "tag st-no_show", "missed"));
      else {
        if (a.status === "held") info.append(el("span", "tag st-held", "held"), " · ");
        info.append(document.createTextNode("Room " + a.room));
        if (a.video) { const v = el("a", "", "join video"); v.href = a.video; v.rel = "noreferrer"; info.append(" · ", v); }
      }
      const ics = el("a", "", ".ics"); ics.href = a.ics; info.append(" · ", ics);
      what.append(info);
      li.append(when, what);
      list.append(li);
    }
  }

  const offers = document.getElementById("offers");
  const offerList = document.getElementById("offer-list");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  function renderOffers(items) {
    offerList.replaceChildren();
    offers.hidden = !items.length;
    for (const o of items) {
      const li = el("li");
      li.dataset.offer = o.id;
      li.append(el("b", "", o.other), document.createTextNode(" "),
        el("span", "muted", `${o.other_country} · ${o.percent}% match · ${o.time}, room ${o.room}`),
        el("div", "small", o.reasons.join("; ")));
      if (o.mine === "accepted") li.append(el("div", "small", `You accepted; waiting for ${o.other}.`));
      else for (const [act, label] of [["accept", "Meet now"], ["decline", "No, thanks"]]) {
        const form = el("form", "inline");
        form.method = "post";
        form.action = root.dataset.offerBase + o.id + "/" + act;
        const token = el("input"); token.type = "hidden"; token.name = "csrf_token"; token.value = csrf;
        const button = el("button", act === "accept" ? "primary" : "", label);
        button.dataset.act = act;
        form.append(token, button);
        li.append(form);
      }
      offerList.append(li);
    }
  }

  async function refreshOffers() {
    const resp = await fetch(root.dataset.offersUrl, { headers: { Accept: "application/json" } });
    if (resp.ok) renderOffers((await resp.json()).offers);
  }

  const socket = io({ transports: ["websocket", "polling"], auth: { token: root.dataset.token } });
  socket.on("agenda_changed", async (msg) => {
    const resp = await fetch(root.dataset.agendaUrl, { headers: { Accept: "application/json" } });
    if (resp.ok) render((await resp.json()).agenda);
    banner.replaceChildren(el("b", "", msg.why + ": "), document.createTextNode(msg.changes.join(" · ")));
    banner.hidden = false;
  });
  socket.on("standby_offer", (o) => {
    refreshOffers();
    banner.replaceChildren(el("b", "", "Meet now: "),
      document.createTextNode(`${o.other} is here and free (${o.percent}% match). Accept below to meet right away.`));
    banner.hidden = false;
  });
  socket.on("offer_update", (o) => {
    refreshOffers();
    let text = null;
    if (o.status === "declined") text = `The meet-now offer with ${o.other} was declined.`;
    else if (o.status === "void" || o.status === "expired")
      text = `The meet-now offer with ${o.other} is no longer possible` + (o.note ? `: ${o.note}.` : ".");
    if (text) { banner.replaceChildren(document.createTextNode(text)); banner.hidden = false; }
  });
})();
