"""``python -m inbox doctors add|email|list``: manage the doctor accounts of an inbox's SQLite file.

The password is never a command-line argument (it would sit in the shell history and in ``ps``):
it is asked twice on a terminal, or read as the first line of standard input with
``--password-stdin`` (scripts, ``hospital_kit``). ``email`` gives a doctor the address the hospital's
OpenID Connect provider knows them by, so they can sign in there (docs/workbench.md).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from sqlalchemy import select

from inbox.accounts import AccountError, Accounts, doctors
from inbox.store import InboxStore
from qaid.config import get_settings


def _db(hospital: str, db: Path | None) -> Path:
    path = db or get_settings().var_dir / f"inbox-{hospital}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inbox doctors", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add a doctor who can sign in to the inbox pages")
    add.add_argument("username", help="sign-in name: a-z, 0-9, '.', '_', '-'")
    add.add_argument("--name", required=True, help="display name, shown in the audit trail and notes")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--email", help="the doctor's email at the hospital's OpenID Connect provider")
    email = sub.add_parser("email", help="set the email a doctor signs in with at the hospital's provider")
    email.add_argument("username")
    email.add_argument("email")
    listing = sub.add_parser("list", help="list the doctor accounts")
    for p in (add, email, listing):
        p.add_argument("--hospital", required=True, help="the inbox's hospital id")
        p.add_argument("--db", type=Path, help="SQLite file (default: <QAID_VAR_DIR>/inbox-<id>.sqlite3)")
    args = parser.parse_args(argv)
    accounts = Accounts(InboxStore(_db(args.hospital, args.db)).engine)
    if args.command == "list":
        with accounts.engine.connect() as conn:
            for row in conn.execute(select(doctors).order_by(doctors.c.username)):
                print(f"{row.username}\t{row.display_name}\tsince {row.created_at:%Y-%m-%d}")
        return 0
    try:
        if args.command == "email":
            accounts.set_email(args.username, args.email)
            print(f"doctor {args.username.strip().lower()!r} signs in at the provider as {args.email}")
            return 0
        accounts.add_doctor(args.username, args.name, _password(args.password_stdin))
        if args.email:
            accounts.set_email(args.username, args.email)
    except AccountError as exc:
        print(f"python -m inbox doctors {args.command}: {exc}", file=sys.stderr)
        return 2
    print(f"added doctor {args.username.strip().lower()!r} to {args.hospital}'s inbox")
    return 0
