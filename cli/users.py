"""Accounts of the web console from the command line.

``user add NAME [--role host]`` (password prompted, or read from stdin with ``--password-stdin``),
``user remove NAME``, ``user reset NAME`` (a new password; every session of the account ends),
``user role NAME --role host``, ``user grant NAME --event ID [--role host]``,
``user revoke NAME --event ID`` and ``user list``. Passwords follow the policy of
:mod:`scheduler.domain.passwords` and are stored as scrypt hashes.
"""

from __future__ import annotations

import argparse
import sys

from cli.common import Subcommands, open_store, out, subcommand
from scheduler.domain.errors import InvalidInput
from scheduler.domain.passwords import check_password, check_username


def _password(args: argparse.Namespace) -> str:
    import getpass

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"Password for {args.username}: ")
    check_password(password, args.username)
    return password


def _hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method="scrypt")


def cmd_user(args: argparse.Namespace) -> int:
    if args.action == "list":
        with open_store(args) as store:
            for u in store.users():
                grants = ", ".join(f"{ev} ({r})" for ev, r in u["grants"].items())
                scope = "every event" if u["role"] == "organiser" else (grants or "no event yet")
                out.print(f"{u['username']}  {u['role']}  {scope}")
        return 0
    if not args.username:
        raise InvalidInput(f"user {args.action}: say which account, e.g. user {args.action} anna")
    if args.action == "role" and not args.role:
        raise InvalidInput("user role: say which, e.g. --role host")
    if args.action in ("grant", "revoke") and not args.event:
        raise InvalidInput(f"user {args.action}: say which event, e.g. --event ai4trad-2027")
    live = " (a running server ends their open pages' live connections within seconds)"
    if args.action == "add":
        check_username(args.username)
        password = _password(args)
        with open_store(args) as store:
            store.add_user(args.username, _hash(password), args.role or "organiser")
        out.print(f"user {args.username!r} ({args.role or 'organiser'}) created")
        return 0
    if args.action == "reset":
        password = _password(args)
        with open_store(args) as store:
            store.set_password(args.username, _hash(password))
        out.print(f"password of {args.username!r} reset; their sessions ended" + live)
        return 0
    with open_store(args) as store:
        if args.action == "remove":
            store.remove_user(args.username)
            said = "removed" + live
        elif args.action == "role":
            store.set_role(args.username, args.role)
            said = f"is now {args.role}" + live
        elif args.action == "grant":
            store.grant(args.event, args.username, args.role or "host", by="command line")
            said = f"is {args.role or 'host'} of event {args.event!r}"
        else:
            store.revoke(args.event, args.username)
            said = f"no longer has a role on event {args.event!r}" + live
    out.print(f"user {args.username!r} {said}")
    return 0


# ------------------------------------------------------------------ options


def add_user(sub: Subcommands) -> None:
    u = subcommand(sub, "user", cmd_user, "manage organiser and host accounts and their events")
    u.add_argument("action", choices=("add", "remove", "reset", "role", "grant", "revoke", "list"),
                   help="add an account, remove one, reset its password, set its global --role, "
                        "grant or revoke a role on an --event, or list the accounts")  # fmt: skip
    u.add_argument("username", nargs="?")
    u.add_argument("--role", choices=("organiser", "host"),
                   help="add: the global role (organiser by default); grant: the role on the event (host)")
    u.add_argument("--event", help="grant, revoke: the event's id")
    u.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
