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
    if (!agenda.length) { list.append(el("li", "muted", tr("no_meetings"))); return; }
    for (const a of agenda) {
      const w = a.words || {};  // the page's language (webapp/portal.py _agenda)
      const li = el("li", "meeting st-" + a.status + (a.phase ? " phase-" + a.phase : ""));
      li.dataset.meeting = a.id;
      const when = el("div", "when");
      when.append(el("b", "", a.time), el("span", "", a.day), el("small", "", a.event_time));
      if (a.phase === "now" || a.phase === "next") when.append(el("span", "tag phase", w[a.phase] || a.phase));
      const what = el("div", "what");
      what.append(el("b", "", a.other), document.createTextNode(" "), el("span", "muted", a.other_country),
        el("div", "small", a.other_offers));
      const info = el("div", "small");
      if (a.status === "cancelled") info.append(el("span", "tag st-cancelled", w.cancelled || tr("cancelled")));
      else if (a.status === "no_show") info.append(el("span", "tag st-no_show", w.no_show || tr("missed")));
      else {
        if (a.status === "held") info.append(el("span", "tag st-held", w.held || tr("held")), " · ");
        info.append(document.createTextNode(w.room || tr("room", { room: a.room })));
        if (a.video) { const v = el("a", "", w.video || tr("video")); v.href = a.video; v.rel = "noreferrer"; info.append(" · ", v); }
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
        el("span", "muted", `${o.other_country} · ${tr("match", { percent: o.percent })} · ${o.time}, ${tr("room_lower", { room: o.room })}`),
        el("div", "small", o.reasons.join("; ")));
      if (o.mine === "accepted") li.append(el("div", "small", tr("you_accepted", { name: o.other })));
      else for (const [act, label] of [["accept", tr("meet_now")], ["decline", tr("no_thanks")]]) {
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

  // what the page shows now, to say what changed while its connection was down
  let shown = JSON.parse(document.getElementById("agenda-data").textContent);
  let revoked = false;

  function tellRevoked(message) {
    revoked = true;
    banner.classList.add("error");
    banner.replaceChildren(el("b", "", message || tr("renewed")));
    banner.hidden = false;
    list.classList.add("stale");
  }

  function start(a) { return a.time.split("-")[0]; }

  // Plain words for what differs between two agendas (as agenda.json gives them), meeting by meeting.
  function changes(before, after) {
    const old = new Map(before.map((a) => [a.id, a]));
    const out = [];
    for (const a of after) {
      const b = old.get(a.id);
      old.delete(a.id);
      if (!b) { out.push(tr("new_meeting", { name: a.other, day: a.day, time: start(a), room: a.room })); continue; }
      if (a.status !== b.status && a.status === "cancelled") {
        out.push(tr("is_cancelled", { name: a.other, day: b.day, time: start(b) })); continue;
      }
      if (a.status !== b.status && b.status === "cancelled") out.push(tr("back_on", { name: a.other, day: a.day, time: start(a) }));
      else if (a.status !== b.status && a.status === "no_show") out.push(tr("marked_missed", { name: a.other, time: start(a) }));
      else if (a.status !== b.status && a.status === "held") out.push(tr("marked_held", { name: a.other, time: start(a) }));
      const when = (x) => (a.day === b.day ? start(x) : `${x.day} ${start(x)}`);
      if (a.time !== b.time || a.day !== b.day)
        out.push(a.room !== b.room ? tr("moved_room", { name: a.other, was: when(b), now: when(a), room: a.room })
          : tr("moved", { name: a.other, was: when(b), now: when(a) }));
      else if (a.room !== b.room) out.push(tr("room_changed", { name: a.other, time: start(a), room: a.room }));
    }
    for (const b of old.values()) out.push(tr("removed", { name: b.other, day: b.day, time: start(b) }));
    return out;
  }

  // Read the agenda afresh; show it, and return what changed since the page last showed one.
  async function reload() {
    const resp = await fetch(root.dataset.agendaUrl, { headers: { Accept: "application/json" } });
    if (resp.status === 404) { tellRevoked(); socket.disconnect(); return null; }
    if (!resp.ok) return null;
    const agenda = (await resp.json()).agenda;
    const diff = changes(shown, agenda);
    shown = agenda;
    render(agenda);
    return diff;
  }

  const socket = io({ transports: ["websocket", "polling"], auth: { token: root.dataset.token, lang: document.documentElement.lang } });
  let connectedBefore = false;
  socket.on("connect", async () => {
    // every (re)connect: what was pushed while the socket was down never arrived, so read it now
    const again = connectedBefore;
    connectedBefore = true;
    const diff = await reload();
    if (!revoked) refreshOffers();
    if (revoked || !diff || !diff.length) return;
    const text = diff.join(" · ");
    banner.classList.remove("error");
    banner.replaceChildren(el("b", "", (again ? tr("while_offline") : tr("since_loaded")) + " "),
      document.createTextNode(text.charAt(0).toUpperCase() + text.slice(1)));
    banner.hidden = false;
  });
  socket.on("connect_error", (err) => {
    if (err && err.message === "unknown or revoked link") tellRevoked();
  });
  socket.on("link_revoked", (msg) => { tellRevoked(msg.message); socket.disconnect(); });
  socket.on("agenda_changed", async (msg) => {
    if (msg.agenda && msg.lang === document.documentElement.lang) {
      // the change brought my fresh agenda in this page's language: no need to ask for it
      shown = msg.agenda.map((a) => ({ ...a, ics: root.dataset.icsBase + a.ics }));
      render(shown);
    } else {
      await reload();
    }
    if (revoked) return;
    banner.classList.remove("error");
    banner.replaceChildren(el("b", "", msg.why + ": "), document.createTextNode(msg.changes.join(" · ")));
    banner.hidden = false;
  });
  socket.on("standby_offer", (o) => {
    refreshOffers();
    banner.replaceChildren(el("b", "", tr("meet_now_colon") + " "),
      document.createTextNode(tr("here_and_free", { name: o.other, percent: o.percent })));
    banner.hidden = false;
  });
  socket.on("offer_update", (o) => {
    refreshOffers();
    let text = null;
    if (o.status === "declined") text = tr("offer_declined", { name: o.other });
    else if (o.status === "void" || o.status === "expired")
      text = o.note ? tr("offer_gone_why", { name: o.other, why: o.note }) : tr("offer_gone", { name: o.other });
    if (text) { banner.replaceChildren(document.createTextNode(text)); banner.hidden = false; }
  });
})();
