"""The operator's command line: ``python -m hub.admin <command>`` against the hub database.

    hospitals list | add | update ID | add-secret ID | retire-secrets ID | deactivate ID | delete ID
    hospitals token ID [--days N] | revoke-token ID   the hospital's own token (hub.hospital_tokens)
    deliveries status | list [--status S] [--hospital H] | show ID
    retry ID          schedule a failed/dead delivery now with a fresh attempt budget
    replay ID         send a delivered transcript again, same webhook-id (receivers dedupe)
    purge [--days N]  retention purge now (default QAID_RETENTION_DAYS, 30)
    rotate-keys       re-seal stored data with QAID_DATA_KEY (old keys in QAID_DATA_KEY_PREVIOUS)

It talks to the database directly (same URL and keys as the hub: ``qaid.config`` settings, or
``--db``), so it works while the hub is down. ``--json`` prints machine-readable output.
Exit status: 0 success, 1 refused (unknown id, conflict), 2 usage error.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import secrets
import sys
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from hub import deliveries, directory, hospital_tokens, retention
from hub.crypto import DataBox
from hub.db import migrate
from hub.models import DELIVERY_STATES, Delivery, Hospital
from qaid.config import Settings, operator_settings
from qaid.db import make_engine, session_factory
from qaid.errors import Conflict, DomainError, NotFound
from qaid_contracts.errors import DELIVERY_NOT_FOUND, HOSPITAL_EXISTS, HOSPITAL_NOT_FOUND


def new_secret() -> str:
    """A fresh Standard Webhooks secret: ``whsec_`` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class Cli:
    def __init__(self, sessions: sessionmaker, box: DataBox, as_json: bool):
        self.sessions, self.box, self.as_json = sessions, box, as_json

    def out(self, value: Any, columns: list[str] | None = None) -> None:
        if self.as_json or columns is None:
            print(json.dumps(value, indent=None if self.as_json else 2, default=str))
            return
        rows = [[str(r.get(c, "")) for c in columns] for r in value]
        widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
        print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
        for r in rows:
            print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())

    def note(self, text: str) -> None:
        """Human guidance goes to stderr so --json output stays parseable."""
        print(text, file=sys.stderr)

    # -- hospitals --------------------------------------------------------------------------------
    def hospitals_list(self, args: argparse.Namespace) -> None:
        with self.sessions() as db:
            rows = [
                directory.admin_view(h, self.box).model_dump()
                for h in db.scalars(select(Hospital).order_by(Hospital.id))
            ]
        cols = ["id", "name", "active", "webhook_enabled", "webhook_secrets_active", "webhook_url"]
        self.out(rows, cols)

    def hospitals_add(self, args: argparse.Namespace) -> None:
        generated = not args.secret
        secrets_ = args.secret or [new_secret()]
        data = directory.HospitalIn(
            id=args.id,
            name=args.name,
            lat=args.lat,
            lon=args.lon,
            hip_url=args.hip_url,
            hip_token=args.hip_token,
            webhook_url=args.webhook_url,
            webhook_secrets=secrets_,
            contact=args.contact,
            offers=json.loads(args.offers),
        )
        with self.sessions() as db:
            h = directory.register(db, self.box, data)
            if h is None:
                raise Conflict(HOSPITAL_EXISTS, f"Hospital {args.id} is already registered; use update.")
            db.commit()
            view = directory.admin_view(h, self.box).model_dump()
            self.out(view | ({"new_secret": secrets_[0]} if generated else {}))
        if generated:
            self.note("Give new_secret to the hospital over a secure channel; it is not shown again.")

    def hospitals_update(self, args: argparse.Namespace) -> None:
        fields = ("name", "lat", "lon", "hip_url", "hip_token", "webhook_url", "contact")
        changes: dict[str, Any] = {f: getattr(args, f) for f in fields if getattr(args, f) is not None}
        if args.offers is not None:
            changes["offers"] = json.loads(args.offers)
        if args.webhook_enabled is not None:
            changes["webhook_enabled"] = args.webhook_enabled
        if args.active is not None:
            changes["active"] = args.active
        self.out(self._patch(args.id, directory.HospitalPatch(**changes)))

    def hospitals_deactivate(self, args: argparse.Namespace) -> None:
        self.out(self._patch(args.id, directory.HospitalPatch(active=False)))

    def hospitals_delete(self, args: argparse.Namespace) -> None:
        """Remove a hospital (directory.delete says what happens to its deliveries); the id is free."""
        with self.sessions() as db:
            result = directory.delete(db, args.id)
            if result is None:
                raise NotFound(HOSPITAL_NOT_FOUND, f"No hospital {args.id}.")
            db.commit()
        self.out({"id": args.id, "deliveries_cancelled": result[0], "deliveries_removed": result[1]})

    def hospitals_add_secret(self, args: argparse.Namespace) -> None:
        """Rotation step 1: a new secret signs beside the old ones (receivers switch at leisure)."""
        secret = args.secret or new_secret()
        current = self._secrets(args.id)
        kept = [secret] + [s for s in current if s != secret]
        view = self._patch(args.id, directory.HospitalPatch(webhook_secrets=kept[: directory.MAX_SECRETS]))
        self.out(view | ({} if args.secret else {"new_secret": secret}))
        if not args.secret:
            self.note("Give new_secret to the hospital; then run retire-secrets once it verifies with it.")

    def hospitals_token(self, args: argparse.Namespace) -> None:
        """Issue the token a hospital joins and manages its own registration with (replacing any
        earlier one); shown once, stored as a hash."""
        if not re.fullmatch(directory.HOSPITAL_ID, args.id):
            raise ValueError(f"{args.id!r} is not a hospital id (lower-case letters, digits, '-' and '_')")
        with self.sessions() as db:
            token, expires = hospital_tokens.issue(db, args.id, args.days)
            db.commit()
        self.out({"hospital_id": args.id, "token": token, "expires_at": expires})
        self.note(
            "Give the token to the hospital over a trusted channel (it is not shown again): it sets it "
            "as QAID_KIT_HUB_TOKEN or [hub] token and runs `python -m hospital_kit join`."
        )

    def hospitals_revoke_token(self, args: argparse.Namespace) -> None:
        with self.sessions() as db:
            if not hospital_tokens.revoke(db, args.id):
                raise NotFound(HOSPITAL_NOT_FOUND, f"No token for hospital {args.id}.")
            db.commit()
        self.out({"hospital_id": args.id, "token_revoked": True})

    def hospitals_retire_secrets(self, args: argparse.Namespace) -> None:
        """Rotation step 2: only the newest secret signs from now on."""
        self.out(self._patch(args.id, directory.HospitalPatch(webhook_secrets=self._secrets(args.id)[:1])))

    def _secrets(self, hospital_id: str) -> list[str]:
        with self.sessions() as db:
            h = self._hospital(db, hospital_id)
            return list(directory.credentials(self.box, h).get("webhook_secrets", []))

    def _hospital(self, db: Session, hospital_id: str) -> Hospital:
        h = db.get(Hospital, hospital_id)
        if h is None:
            raise NotFound(HOSPITAL_NOT_FOUND, f"No hospital {hospital_id}.")
        return h

    def _patch(self, hospital_id: str, patch: directory.HospitalPatch) -> dict[str, Any]:
        with self.sessions() as db:
            h = directory.update(db, self.box, hospital_id, patch)
            if h is None:
                raise NotFound(HOSPITAL_NOT_FOUND, f"No hospital {hospital_id}.")
            db.commit()
            return directory.admin_view(h, self.box).model_dump()

    # -- deliveries -------------------------------------------------------------------------------
    def deliveries_status(self, args: argparse.Namespace) -> None:
        with self.sessions() as db:
            rows = db.execute(
                select(Delivery.hospital_id, Delivery.status, func.count())
                .group_by(Delivery.hospital_id, Delivery.status)
                .order_by(Delivery.hospital_id, Delivery.status)
            ).all()
        table: dict[str, dict[str, Any]] = {}
        for hid, status, n in rows:
            table.setdefault(hid, {"hospital_id": hid} | dict.fromkeys(DELIVERY_STATES, 0))[status] = n
        totals = {"hospital_id": "TOTAL"} | {s: sum(r[s] for r in table.values()) for s in DELIVERY_STATES}
        self.out([*table.values(), totals], ["hospital_id", *DELIVERY_STATES])

    def deliveries_list(self, args: argparse.Namespace) -> None:
        with self.sessions() as db:
            q = select(Delivery).order_by(Delivery.created_at.desc(), Delivery.id).limit(args.limit)
            if args.status:
                q = q.where(Delivery.status == args.status)
            if args.hospital:
                q = q.where(Delivery.hospital_id == args.hospital)
            rows = [deliveries.view(d) for d in db.scalars(q)]
        self.out(rows, ["id", "hospital_id", "status", "attempts", "last_status_code", "delivered_at"])

    def deliveries_show(self, args: argparse.Namespace) -> None:
        with self.sessions() as db:
            out = deliveries.detail(db, args.id)
            if out is None:
                raise NotFound(DELIVERY_NOT_FOUND, f"No delivery {args.id}.")
            self.out(out)

    def retry(self, args: argparse.Namespace) -> None:
        with self.sessions() as db:
            self.out(deliveries.view(deliveries.retry(db, args.id)))

    def replay(self, args: argparse.Namespace) -> None:
        with self.sessions() as db:
            self.out(deliveries.view(deliveries.replay(db, args.id)))

    # -- privacy ----------------------------------------------------------------------------------
    def purge(self, args: argparse.Namespace) -> None:
        days = args.days if args.days is not None else retention.retention_days()
        result = retention.purge(self.sessions, timedelta(days=days))
        self.out({"retention_days": days} | result.__dict__)

    def rotate_keys(self, args: argparse.Namespace) -> None:
        result = retention.rotate_keys(self.sessions, self.box)
        self.out({"keys_configured": self.box.key_count} | result.__dict__)
        self.note("Every row is sealed with QAID_DATA_KEY now; QAID_DATA_KEY_PREVIOUS can be emptied.")


def _bool_pair(p: argparse.ArgumentParser, name: str, on: str, off: str) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument(f"--{on}", dest=name, action="store_const", const=True, default=None)
    g.add_argument(f"--{off}", dest=name, action="store_const", const=False)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hub.admin", description="Q&Aid hub administration")
    parser.add_argument("--db", help="database URL (default: the hub's, from qaid.config)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    sub = parser.add_subparsers(dest="command", required=True)

    hosp = sub.add_parser("hospitals", help="the hospital directory").add_subparsers(
        dest="action", required=True
    )
    hosp.add_parser("list").set_defaults(run=Cli.hospitals_list)
    add = hosp.add_parser("add", help="register a hospital (a webhook secret is generated unless given)")
    add.set_defaults(run=Cli.hospitals_add)
    for name, kind in (("id", str), ("name", str), ("lat", float), ("lon", float)):
        add.add_argument(f"--{name}", type=kind, required=True)
    add.add_argument("--hip-url", required=True)
    add.add_argument("--webhook-url", required=True)
    add.add_argument("--hip-token", default="")
    add.add_argument("--secret", action="append", help="whsec_ secret (repeatable); generated if absent")
    add.add_argument("--contact", default="")
    add.add_argument("--offers", default="{}", help='JSON, e.g. {"vqa": ["chest_xray"]}')
    upd = hosp.add_parser("update", help="change fields; flags left out stay as they are")
    upd.set_defaults(run=Cli.hospitals_update)
    upd.add_argument("id")
    upd.add_argument("--name")
    upd.add_argument("--lat", type=float)
    upd.add_argument("--lon", type=float)
    for name in ("hip-url", "hip-token", "webhook-url", "contact", "offers"):
        upd.add_argument(f"--{name}")
    _bool_pair(upd, "webhook_enabled", "enable-webhook", "disable-webhook")
    _bool_pair(upd, "active", "activate", "deactivate")
    for name, fn in (
        ("deactivate", Cli.hospitals_deactivate),
        ("delete", Cli.hospitals_delete),
        ("retire-secrets", Cli.hospitals_retire_secrets),
        ("revoke-token", Cli.hospitals_revoke_token),
    ):
        p = hosp.add_parser(name)
        p.add_argument("id")
        p.set_defaults(run=fn)
    tok = hosp.add_parser("token", help="issue the hospital's own token for join/verify/leave (replaces one)")
    tok.add_argument("id")
    tok.add_argument(
        "--days", type=float, help="valid for this many days (default: until replaced or revoked)"
    )
    tok.set_defaults(run=Cli.hospitals_token)
    sec = hosp.add_parser("add-secret", help="add a webhook secret beside the current ones (rotation)")
    sec.add_argument("id")
    sec.add_argument("--secret", help="whsec_ secret; generated if absent")
    sec.set_defaults(run=Cli.hospitals_add_secret)

    dlv = sub.add_parser("deliveries", help="the outbox").add_subparsers(dest="action", required=True)
    dlv.add_parser("status", help="counts per hospital and status").set_defaults(run=Cli.deliveries_status)
    lst = dlv.add_parser("list")
    lst.add_argument("--status", choices=DELIVERY_STATES)
    lst.add_argument("--hospital")
    lst.add_argument("--limit", type=int, default=50)
    lst.set_defaults(run=Cli.deliveries_list)
    show = dlv.add_parser("show", help="one delivery with its attempt log")
    show.add_argument("id")
    show.set_defaults(run=Cli.deliveries_show)

    for name, fn in (("retry", Cli.retry), ("replay", Cli.replay)):
        p = sub.add_parser(name)
        p.add_argument("id", help="delivery id (the webhook-id)")
        p.set_defaults(run=fn)
    prg = sub.add_parser("purge", help="retention purge now")
    prg.add_argument("--days", type=float, help="retention in days (default QAID_RETENTION_DAYS or 30)")
    prg.set_defaults(run=Cli.purge)
    sub.add_parser("rotate-keys", help="re-seal stored data with the current data key").set_defaults(
        run=Cli.rotate_keys
    )
    return parser


def main(
    argv: list[str] | None = None, *, settings: Settings | None = None, engine: Engine | None = None
) -> int:
    args = build_parser().parse_args(argv)
    settings = settings or operator_settings()
    if engine is None:
        engine = make_engine(args.db or settings.hub_db_url())
    migrate(engine)
    cli = Cli(session_factory(engine), DataBox(settings.data_key), args.json)
    try:
        args.run(cli, args)
    except DomainError as exc:
        print(f"error ({exc.code}): {exc.message}", file=sys.stderr)
        return 1
    except ValueError as exc:  # pydantic's ValidationError and json's JSONDecodeError are ValueErrors
        print(f"error (invalid input): {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
