"""Accounts of the web console from the command line: ``user add`` (password
prompted or read from stdin), ``user remove`` and ``user role``.
"""

from __future__ import annotations

import argparse
import sys

from cli.common import Subcommands, open_store, out, subcommand
from scheduler.domain.errors import InvalidInput


def cmd_user(args: argparse.Namespace) -> int:
    import getpass

    from werkzeug.security import generate_password_hash

    if args.action == "role" and not args.role:
        raise InvalidInput("user role: say which, e.g. --role host")
    if args.action in ("remove", "role"):
        with open_store(args) as store:
            if args.action == "remove":
                store.remove_user(args.username)
            else:
                store.set_role(args.username, args.role)
        out.print(f"user {args.username!r} " + ("removed" if args.action == "remove" else f"is now {args.role}")
                  + " (a running server ends their open pages' live connections within seconds)")
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"Password for {args.username}: ")
    if len(password) < 8:
        raise InvalidInput("password: use at least 8 characters")
    with open_store(args) as store:
        store.add_user(args.username, generate_password_hash(password), args.role or "organiser")
    out.print(f"user {args.username!r} ({args.role or 'organiser'}) created")
    return 0


# ------------------------------------------------------------------ options


def add_user(sub: Subcommands) -> None:
    u = subcommand(sub, "user", cmd_user, "manage organiser and host accounts")
    u.add_argument("action", choices=("add", "remove", "role"),
                   help="add an account, remove one, or set its --role")
    u.add_argument("username")
    u.add_argument("--role", choices=("organiser", "host"), help="the account's role (add: organiser by default)")
    u.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
