"""``python -m hospital_kit``: what a hospital runs on its own machine to join the Q&Aid network.

    init     write a settings file with fresh secrets (edit it, then:)
    check    check the settings file and the bundle (hip_id, hashes, shapes) before anything runs
    run      serve the HIP and the inbox (each with its own port and secrets); Ctrl-C stops both
    join     register with the hub; the hub checks HIP, token, capabilities and a signed test event
             and makes you live only if every check passes (exit status 1 and the reason if not)
    verify   ask the hub to run the checks again (after moving a URL or changing a token)
    test-event  have the hub send your inbox a signed test event (and a wrongly signed copy) now
    reload   hot-swap the HIP's bundle, then have the hub re-read your offers (verify)
    rotate-secret start|finish   add a new webhook secret beside the old one / keep only the new one
    leave    delete the registration at the hub (the id can be registered again)

Exit status: 0 done, 1 a check or the hub said no (the message says why), 2 a usage or settings
error (the message names the setting to fix).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import httpx

from hospital_kit import settings as kit_settings
from hospital_kit.run import local_url, run
from hospital_kit.settings import HUB_TOKEN_ENV, KitSettings, SettingsError
from qaid.webhooks import new_secret

TIMEOUT_S = 60.0  # join runs network checks against the HIP and the inbox (5 s each at most)


class KitError(Exception):
    """A refusal from the hub or a service; exit status 1."""


def _hub(s: KitSettings, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    token = s.hub_token
    if not token:
        raise SettingsError(f"no hub token: set [hub] token in {s.path.name} or {HUB_TOKEN_ENV} to the "
                            "hospital token (qhosp_…) the hub operator gave you")  # fmt: skip
    url = s.hub.url.rstrip("/") + path
    try:
        r = httpx.request(
            method, url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT_S
        )
    except httpx.HTTPError as exc:
        raise KitError(
            f"the hub is not reachable at {s.hub.url} ({type(exc).__name__}); check [hub] url"
        ) from exc
    if r.status_code == 401:
        raise KitError(
            f"the hub refused the token: check [hub] token (or {HUB_TOKEN_ENV}). A hospital token ends with "
            "`leave` (and when the operator issues a new one or it expires): ask the hub operator for a new "
            "one (python -m hub.admin hospitals token ID)"
        )
    try:
        data = r.json()
    except ValueError as exc:
        raise KitError(f"{method} {url} answered {r.status_code} without JSON") from exc
    if not r.is_success:
        error = data.get("error", {}) if isinstance(data, dict) else {}
        wait = f" (Retry-After: {r.headers['retry-after']} s)" if "retry-after" in r.headers else ""
        raise KitError(f"{method} {path}: {r.status_code} {error.get('code')}: {error.get('message')}{wait}")
    return dict(data)


def _report(data: dict[str, Any]) -> int:
    for c in data["checks"]:
        print(f"  {'ok  ' if c['ok'] else 'FAIL'} {c['name']}: {c['detail']}")
    h = data["hospital"]
    if data["active"]:
        print(f"{h['id']} is live: offers {h['offers']}, bundle {h.get('bundle_version')}.")
        return 0
    print(f"{h['id']} is registered but NOT live: {data['reason']}", file=sys.stderr)
    print("Fix it, then run `join` (or `verify`) again.", file=sys.stderr)
    return 1


def cmd_init(args: argparse.Namespace) -> int:
    path: Path = args.config
    if path.exists():
        raise SettingsError(f"{path} exists; init never overwrites settings (edit it, or choose --config)")
    values = {
        "id": args.id, "display": args.name, "lat": args.lat, "lon": args.lon, "contact": args.contact,
        "bundle": args.bundle or f"bundles/{args.id}", "hip_port": args.hip_port,
        "inbox_port": args.inbox_port, "hub_url": args.hub_url,
    }  # fmt: skip
    kit_settings.write_new(path, values)
    kit_settings.load(path)  # what init wrote must load (a bad --id is reported now, not at run)
    print(
        f"wrote {path} (mode 600) with fresh secrets. Next: write your bundle to [hip] bundle, set "
        "public_url in [hip] and [inbox] if the hub is on another machine, then"
    )
    print(f"  python -m hospital_kit --config {path} check")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    s = kit_settings.load(args.config)
    print(f"settings: {s.path} ok ({s.hospital.id}, {s.hospital.name})")
    problems = []
    bundle = s.resolve(s.hip.bundle)
    from hip_service.bundle_loader import BundleError, load_bundle

    try:
        loaded = load_bundle(bundle)
        m = loaded.manifest
        print(f"bundle: {bundle} ok (version {m.bundle_version}, offers {m.offers()})")
        if m.hip_id != s.hospital.id:
            problems.append(
                f"the bundle's hip_id is {m.hip_id!r}, not {s.hospital.id!r}: train it with "
                f"--hip-id {s.hospital.id} (python -m ml.train_cli), or fix [hospital] id"
            )
        if m.data_provenance == "generated_demo":
            print("  note: this bundle holds demo models (generated data); the assistant will say so")
    except BundleError as exc:
        problems.append(f"[hip] bundle: {exc}")
    if s.hip.port == s.inbox.port and s.hip.host == s.inbox.host:
        problems.append("[hip] port and [inbox] port are the same: give each its own")
    if not s.hub_token:
        print(f"  note: no hub token yet ([hub] token or {HUB_TOKEN_ENV}); `join` needs it")
    for p in problems:
        print(f"problem: {p}", file=sys.stderr)
    return 2 if problems else 0


def cmd_run(args: argparse.Namespace) -> int:
    return run(kit_settings.load(args.config))


def cmd_join(args: argparse.Namespace) -> int:
    s = kit_settings.load(args.config)
    print(f"joining {s.hub.url} as {s.hospital.id}; the hub checks your HIP and inbox…")
    return _report(_hub(s, "POST", "/api/v1/hospitals/join", s.registration()))


def cmd_verify(args: argparse.Namespace) -> int:
    s = kit_settings.load(args.config)
    return _report(_hub(s, "POST", f"/api/v1/hospitals/{s.hospital.id}/verify"))


def cmd_test_event(args: argparse.Namespace) -> int:
    s = kit_settings.load(args.config)
    data = _hub(s, "POST", f"/api/v1/hospitals/{s.hospital.id}/test-event")
    for c in data["checks"]:
        print(f"  {'ok  ' if c['ok'] else 'FAIL'} {c['name']}: {c['detail']}")
    if data["ok"]:
        print(f"your inbox at {data['webhook_url']} accepts signed deliveries and refuses forged ones.")
        return 0
    print(f"the test event to {data['webhook_url']} did not pass (see above).", file=sys.stderr)
    return 1


def cmd_reload(args: argparse.Namespace) -> int:
    s = kit_settings.load(args.config)
    url = local_url(s.hip.host, s.hip.port) + "/v1/admin/reload"
    try:
        r = httpx.post(url, headers={"Authorization": f"Bearer {s.hip.admin_token}"}, timeout=TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise KitError(
            f"the HIP is not reachable at {url} ({type(exc).__name__}): is `run` running?"
        ) from exc
    if not r.is_success:
        error = r.json().get("error", {}) if "json" in r.headers.get("content-type", "") else {}
        raise KitError(f"reload refused ({r.status_code}): {error.get('message', r.text[:300])}")
    print(f"HIP swapped to bundle {r.json()['bundle_version']} (was {r.json()['previous_version']}).")
    if not s.hub_token:
        print(f"no hub token: run `verify` once {HUB_TOKEN_ENV} or [hub] token is set, so the hub sees it")
        return 0
    return cmd_verify(args)


def cmd_rotate(args: argparse.Namespace) -> int:
    s = kit_settings.load(args.config)
    current = s.inbox.webhook_secrets
    if args.step == "start":
        kept = [new_secret(), *current][:3]
        print("added a new webhook secret (first); the old one stays valid while you switch.")
    else:
        kept = current[:1]
        print("kept only the newest webhook secret.")
    kit_settings.set_webhook_secrets(s.path, kept)
    print("Next: restart `run` (the inbox reads its secrets at start), then `join` to tell the hub.")
    return 0


def cmd_leave(args: argparse.Namespace) -> int:
    s = kit_settings.load(args.config)
    data = _hub(s, "DELETE", f"/api/v1/hospitals/{s.hospital.id}")
    print(f"{data['id']} left the network: {data['deliveries_cancelled']} queued deliveries cancelled, "
          f"{data['deliveries_removed']} delivery records removed at the hub.")  # fmt: skip
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m hospital_kit", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--config", type=Path, default=Path("hospital.toml"), help="settings file (hospital.toml)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    init = sub.add_parser("init", help="write a settings file with fresh secrets")
    init.add_argument("--id", required=True, help="your hospital id: lower-case letters, digits, - and _")
    init.add_argument("--name", required=True, help="display name patients see")
    init.add_argument("--lat", type=float, required=True)
    init.add_argument("--lon", type=float, required=True)
    init.add_argument("--contact", default="", help="where the hub operator reaches your team")
    init.add_argument("--bundle", help="bundle directory (default: bundles/<id>)")
    init.add_argument("--hip-port", type=int, default=8301)
    init.add_argument("--inbox-port", type=int, default=8302)
    init.add_argument("--hub-url", default="http://127.0.0.1:8000")
    init.set_defaults(run=cmd_init)
    for name, fn, text in (
        ("check", cmd_check, "check the settings file and the bundle"),
        ("run", cmd_run, "serve the HIP and the inbox"),
        ("join", cmd_join, "register with the hub and pass its checks"),
        ("verify", cmd_verify, "have the hub run its checks again"),
        ("test-event", cmd_test_event, "have the hub send your inbox a signed test event"),
        ("reload", cmd_reload, "hot-swap the HIP's bundle, then verify"),
        ("leave", cmd_leave, "delete the registration at the hub"),
    ):
        sub.add_parser(name, help=text).set_defaults(run=fn)
    rot = sub.add_parser("rotate-secret", help="webhook secret rotation with overlap")
    rot.add_argument("step", choices=["start", "finish"])
    rot.set_defaults(run=cmd_rotate)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except SettingsError as exc:
        print(f"hospital_kit: {exc}", file=sys.stderr)
        return 2
    except KitError as exc:
        print(f"hospital_kit: {exc}", file=sys.stderr)
        return 1
