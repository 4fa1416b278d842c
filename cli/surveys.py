"""Pilot surveys from the command line: ``survey list|show|copy|save|rounds|plan-defaults|send|answers``.

Times are read and shown on the event's wall clock (stored as UTC). ``send`` queues the
invitations and reminders due now (``--now`` to rehearse) and delivers the outbox, as
``invites --send`` does (SMTP from MATCHMAKING_SMTP_*, else a folder of .eml files).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from cli.common import Subcommands, event_now, open_store, out, subcommand
from cli.invites import deliver_and_say, warn_skipped
from scheduler.domain.errors import InvalidInput


def _when(at, tz: str) -> str:
    from scheduler.domain.timegrid import local_label

    return local_label(at, tz, "%Y-%m-%d %H:%M")


def cmd_list(args: argparse.Namespace) -> int:
    from scheduler.surveys.rounds import audience, counts, round_of

    now = event_now(args)
    with open_store(args) as store:
        data = store.load(args.event)
        surveys, meetings = store.surveys(args.event), store.meetings(args.event)
        planned = {(r["survey_id"], r["wave"]): round_of(r) for r in store.rounds(args.event)}
        tz = data.event.timezone
        for sid, s in surveys.items():
            out.print(f"{sid}  ({s.kind}, version {s.version}, {len(s.questions)} questions): {s.title}")
            for (rid, wave), rnd in planned.items():
                if rid != sid:
                    continue
                c = counts(audience(s, data, meetings, now), store.answered(args.event, sid, wave))
                reminders = ", ".join(_when(r, tz) for r in rnd.reminders) or "none"
                out.print(f"  round {wave or '-'}: sent {_when(rnd.send_at, tz)} ({tz}); reminders {reminders}; "
                          f"{c.answered} of {c.asked} answered ({c.rate:.0%}), {c.partly} partly")  # fmt: skip
            if not any(rid == sid for rid, _ in planned):
                out.print("  no round planned")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from scheduler.surveys.model import survey_to_dict

    with open_store(args) as store:
        s = store.survey(args.event, args.survey, args.version)
    if args.json:
        print(json.dumps(survey_to_dict(s), ensure_ascii=False, indent=2))
        return 0
    out.print(f"{s.title} ({s.id}, {s.kind}, version {s.version})")
    for q in s.questions:
        who = f" [{q.audience} SMEs]" if q.audience else ""
        out.print(f"- {q.id} ({q.type}{', required' if q.required else ''}){who}: {q.text}")
        for o in q.options:
            out.print(f"    {o.id}: {o.label}")
    return 0


def cmd_copy(args: argparse.Namespace) -> int:
    from scheduler.surveys.model import survey_to_dict

    with open_store(args) as store:
        doc = survey_to_dict(store.survey(args.event, args.survey))
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    Path(args.output).write_text(text, encoding="utf-8")
    out.print(f"wrote {args.output}: edit it, then `run.py survey save {args.output} --event {args.event}`")
    return 0


def cmd_save(args: argparse.Namespace) -> int:
    from scheduler.surveys.model import survey_from_dict

    try:
        doc = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{args.file}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(doc, dict):
        raise InvalidInput(f"{args.file}: a survey is a JSON object")
    with open_store(args) as store:
        saved = store.save_survey(args.event, survey_from_dict(doc), actor=args.actor, now=event_now(args))
    out.print(f"stored survey {saved.id} version {saved.version} ({len(saved.questions)} questions)")
    return 0


def cmd_rounds(args: argparse.Namespace) -> int:
    from scheduler.surveys.rounds import parse_when

    with open_store(args) as store:
        tz = store.event(args.event).timezone
        if args.set:
            send_at = parse_when(args.send_at or "", tz, f"{args.set}, send at")
            reminders = [parse_when(r, tz, f"{args.set}, reminder {i}") for i, r in enumerate(args.remind or [], 1)]
            store.set_round(args.event, args.set, send_at, reminders, wave=args.wave, actor=args.actor,
                            now=event_now(args))  # fmt: skip
        for r in store.rounds(args.event):
            reminders = ", ".join(_when(x, tz) for x in r["reminders"]) or "none"
            out.print(f"{r['survey_id']} {r['wave'] or '-'}: invitation {_when(r['send_at'], tz)}, "
                      f"reminders {reminders} ({tz})")  # fmt: skip
    return 0


def cmd_plan_defaults(args: argparse.Namespace) -> int:
    from scheduler.surveys.rounds import default_rounds

    now = event_now(args)
    with open_store(args) as store:
        data = store.load(args.event)
        have = {(r["survey_id"], r["wave"]) for r in store.rounds(args.event)}
        planned = 0
        for rnd in default_rounds(store.surveys(args.event), data, now):
            if (rnd.survey_id, rnd.wave) in have and not args.replace:
                continue
            store.set_round(args.event, rnd.survey_id, rnd.send_at, list(rnd.reminders), wave=rnd.wave,
                            actor=args.actor, now=now)  # fmt: skip
            planned += 1
    out.print(f"planned {planned} rounds (`run.py survey rounds --event {args.event}` lists them)")
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    from scheduler.invitations import delivery
    from scheduler.invitations.ical import organiser_of
    from scheduler.invitations.surveymail import queue_survey_mail
    from webapp.i18n import CATALOGUES  # each participant's language

    smtp = delivery.smtp_config(os.environ, "MATCHMAKING_")
    now = event_now(args)
    with open_store(args) as store:
        sender = organiser_of(store.event(args.event), smtp.sender if smtp else "entente@localhost")[0]
        queued, skipped = queue_survey_mail(store, args.event, args.base_url, now, sender, catalogues=CATALOGUES)
        deliver_and_say(store, smtp, args.outbox_dir, args.event, now, f"{queued} survey messages")
    warn_skipped(skipped)
    return 0


def cmd_answers(args: argparse.Namespace) -> int:
    from scheduler.surveys.tables import answers_csv

    with open_store(args) as store:
        survey = store.survey(args.event, args.survey)
        text = answers_csv(survey, store.answers(args.event, args.survey), store.load(args.event).by_id())
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(args.output).write_text("\ufeff" + text, encoding="utf-8")  # BOM: Excel reads UTF-8
        out.print(f"wrote {args.output} ({text.count(chr(10)) - 1} answers)")
    return 0


# ------------------------------------------------------------------ options


def add_survey(sub: Subcommands) -> None:
    sv = subcommand(sub, "survey", lambda a: (sv.print_help(), 2)[1], "pilot surveys: questions, rounds, mail, answers")
    cmds = sv.add_subparsers(dest="survey_command", metavar="ACTION")

    def action(name: str, handler, summary: str, survey: bool = False) -> argparse.ArgumentParser:
        p = subcommand(cmds, name, handler, summary)
        p.add_argument("--event", required=True)
        p.add_argument("--now", help="the event clock, e.g. 2027-06-26T09:00:00+02:00 (default: now)")
        if survey:
            p.add_argument("survey", help="survey id: adoption, feedback, followup or an organiser's own")
        return p

    action("list", cmd_list, "surveys, versions, rounds and response rates")
    show = action("show", cmd_show, "a survey's questions (--json: its JSON shape)", survey=True)
    show.add_argument("--version", type=int, help="an older version")
    show.add_argument("--json", action="store_true")
    copy = action("copy", cmd_copy, "write a survey as JSON to edit (then `survey save`)", survey=True)
    copy.add_argument("-o", "--output", required=True)
    save = action("save", cmd_save, "store an edited survey JSON as the next version")
    save.add_argument("file")
    save.add_argument("--actor", default="cli")
    rounds = action("rounds", cmd_rounds, "list the rounds; --set SURVEY plans one")
    rounds.add_argument("--set", metavar="SURVEY", help="the survey to plan")
    rounds.add_argument("--wave", default="", help="m3 or m6 for the follow-up")
    rounds.add_argument("--send-at", help="invitation time on the event's clock, e.g. '2027-04-01 09:00'")
    rounds.add_argument("--remind", action="append", help="a reminder time (repeat for several)")
    rounds.add_argument("--actor", default="cli")
    plan = action("plan-defaults", cmd_plan_defaults, "plan the default rounds of every survey without one")
    plan.add_argument("--replace", action="store_true", help="also re-plan rounds already set")
    plan.add_argument("--actor", default="cli")
    send = action("send", cmd_send, "queue the invitations and reminders due and deliver them")
    send.add_argument("--base-url", default="http://127.0.0.1:5000", help="where personal links point")
    send.add_argument("--outbox-dir", help="folder for .eml files when no SMTP server is configured")
    answers = action("answers", cmd_answers, "the answers as CSV (personal data: keep it safe)", survey=True)
    answers.add_argument("-o", "--output", help="CSV file (default: standard output)")
