// Parse iCalendar files with ical.js (Mozilla's parser, as in Thunderbird) and print
// what a calendar client would read from them, as JSON on stdout.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const out = [];
for (const path of process.argv.slice(2)) {
  const cal = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  const events = cal.getAllSubcomponents("vevent").map((v) => {
    const e = new ICAL.Event(v);
    const alarm = v.getFirstSubcomponent("valarm");
    return {
      uid: e.uid,
      sequence: e.sequence,
      status: v.getFirstPropertyValue("status"),
      summary: e.summary,
      description: e.description,
      transp: v.getFirstPropertyValue("transp"),
      start: e.startDate.toJSDate().toISOString(),
      end: e.endDate.toJSDate().toISOString(),
      startZone: e.startDate.zone ? e.startDate.zone.tzid : null,
      location: e.location,
      organizer: v.getFirstPropertyValue("organizer"),
      attendees: e.attendees.map((a) => ({
        address: a.getFirstValue(),
        cn: a.getParameter("cn"),
        role: a.getParameter("role"),
        partstat: a.getParameter("partstat"),
        rsvp: a.getParameter("rsvp"),
      })),
      alarm: alarm ? alarm.getFirstPropertyValue("trigger").toString() : null,
    };
  });
  out.push({
    path,
    method: cal.getFirstPropertyValue("method"),
    name: cal.getFirstPropertyValue("x-wr-calname"),
    refresh: cal.getFirstProperty("refresh-interval")
      ? cal.getFirstProperty("refresh-interval").toJSON().slice(1, 3)
      : null,
    events,
  });
}
process.stdout.write(JSON.stringify(out));
