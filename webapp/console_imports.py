"""Organiser console, imports: upload an event file (JSON, xlsx or the CSV tables); a new event
is saved at once, an event that exists is previewed first (the merge plan, or what a replace of
a published event cancels) and applied or discarded from the preview.

The routes belong to the console's blueprint (:data:`.console.bp`), so their names stay
``console.*``; :func:`webapp.create_app` imports this module before registering it."""

from __future__ import annotations

import json
import re
import secrets
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from scheduler.changes.merge import replace_warning
from scheduler.domain.errors import Conflict, InvalidInput, NotFound
from scheduler.files import formats, sheets, writer

from .account_words import problem_list
from .auth import current_user, staff_required
from .console import bp
from .extensions import get_store
from .i18n import said_here
from .live import N_, clock, notify
from .sockets import recheck

UPLOAD_TYPES = {".json", ".csv", ".xlsx"}
TABLE_FILES = ("event.json", "participants.csv", "requests.csv", "participants.xlsx", "requests.xlsx")


@bp.post("/events/import")
@staff_required("organiser")
def import_event():
    files = [f for f in request.files.getlist("files") if f and f.filename]
    problems: list[str] = []
    if not files:
        problems.append(gettext("Choose an event file (.json or .xlsx) or the CSV files "
                                "(event.json, participants.csv, requests.csv)."))
    for f in files:
        if Path(f.filename).suffix.lower() not in UPLOAD_TYPES:
            problems.append(gettext("%(file)s: only .json, .csv and .xlsx files are accepted", file=f.filename))
    data = None
    store = get_store()
    if not problems:
        try:
            data = _read_upload(files)
            replace = bool(request.form.get("replace"))
            if data.event.id in store.event_ids():
                # an event that exists: a merge is previewed first; a replace of a published one confirmed
                if not replace:
                    return _preview(store, data, "merge")
                if store.published(data.event.id):
                    return _preview(store, data, "replace")
            store.save_event(data, replace=replace, actor=current_user()["username"])
            recheck(store)  # a replaced event has new links: the old ones' sockets end
        except InvalidInput as exc:
            problems = problem_list(exc)
        except Conflict as exc:
            problems = [str(exc)]
    if problems:
        return render_template("events.html", events=store.event_summaries(), problems=problems), 400
    flash(gettext("Imported %(name)s: %(participants)s participants, %(requests)s requests.", name=data.event.name,
                  participants=len(data.participants), requests=len(data.requests)))
    return redirect(url_for("console.event", event_id=data.event.id))


UPLOAD_NAME = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def _uploads() -> Path:
    """Where an uploaded event file waits for the organiser's Apply (IMPORT_DIR, else the instance folder)."""
    return Path(current_app.config.get("IMPORT_DIR") or Path(current_app.instance_path) / "imports")


def _park(data) -> str:
    """Keep the (validated) document server-side under a random name; return the name."""
    name = secrets.token_urlsafe(32)
    folder = _uploads()
    folder.mkdir(parents=True, exist_ok=True)
    stale = time.time() - 24 * 3600  # previews nobody applied or discarded
    for old in folder.glob("*.json"):
        if old.stat().st_mtime < stale:
            old.unlink(missing_ok=True)
    (folder / f"{name}.json").write_text(writer.dump_json(writer.event_document(data)), encoding="utf-8")
    return name


def _parked(name: str) -> Path:
    if not UPLOAD_NAME.match(name):
        raise NotFound("no such upload")
    path = _uploads() / f"{name}.json"
    if not path.exists():
        raise NotFound(gettext("this upload was already applied or discarded; upload the file again"))
    return path


def _preview(store, data, mode: str):
    """Show what the upload would do (merge plan, or what a replace cancels) with Apply / Discard."""
    now = clock()
    plan = store.plan_merge(data, now) if mode == "merge" else None
    warning = replace_warning(store.meetings(data.event.id), store.notified(data.event.id)) if mode == "replace" else ""
    people = store.load(data.event.id).by_id() | data.by_id()
    return render_template("import_preview.html", mode=mode, plan=plan, warning=warning, ev=data.event,
                           people=people, upload=_park(data), version=store.schedule_version(data.event.id),
                           tz=data.event.timezone)  # fmt: skip


@bp.post("/events/import/<upload>")
@staff_required("organiser")
def import_apply(upload):
    """Apply a previewed upload (a merge, or a confirmed replace), or discard it."""
    path = _parked(upload)
    if request.form.get("action") == "discard":
        path.unlink(missing_ok=True)
        flash(gettext("Discarded: nothing was imported."))
        return redirect(url_for("console.events"))
    data = formats.parse_event_document(json.loads(path.read_text("utf-8")), "upload")  # validated again
    store = get_store()
    ev_id, actor = data.event.id, current_user()["username"]
    old = store.meetings(ev_id)
    try:
        if request.form.get("action") == "replace":
            if request.form.get("confirm") != "1":
                return _preview(store, data, "replace"), 400
            store.save_event(data, replace=True, confirmed=True, actor=actor)
            why, done = N_("The organiser replaced the event"), gettext("Replaced the event")
        else:
            version = request.form.get("version", "")
            plan, _ = store.merge(data, actor=actor, now=clock(),
                                  expected_version=int(version) if version.isdigit() else None)  # fmt: skip
            why, done = N_("The organiser re-imported the event"), gettext("Merged: %(summary)s", summary=said_here(plan.summary()))
    except Conflict as exc:
        path.unlink(missing_ok=True)
        flash(str(exc), "error")
        return redirect(url_for("console.event", event_id=ev_id)), 303
    path.unlink(missing_ok=True)
    recheck(store)  # links revoked by the change (removed participants, a replace) end their sockets
    told = notify(store, store.load(ev_id), old, store.meetings(ev_id), why)
    flash(gettext("%(done)s. %(n)s participants told.", done=done, n=len(told)))
    return redirect(url_for("console.event", event_id=ev_id))


def _read_upload(files):
    """Read one .json or .xlsx event, or the files of a CSV folder, through the same readers as the CLI."""
    with tempfile.TemporaryDirectory() as tmp:
        if len(files) == 1 and Path(files[0].filename).suffix.lower() in (".json", ".xlsx"):
            name = files[0].filename
            path = Path(tmp) / ("event" + Path(name).suffix.lower())
            files[0].save(path)
            try:
                return sheets.read_event_file(path)
            except InvalidInput as exc:  # name the upload, not the temporary file
                raise InvalidInput([p if p.path else replace(p, path=name) for p in exc.problems]) from None
        for f in files:
            name = Path(f.filename).name.lower()
            if name not in TABLE_FILES:
                raise InvalidInput(f"{f.filename}: expected {', '.join(TABLE_FILES)}")
            f.save(Path(tmp) / name)
        return sheets.read_csv_dir(Path(tmp))
