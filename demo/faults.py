"""Fault drills against a running demo network: a part fails mid-conversation, the patient is told.

Each drill holds a real conversation over Rasa's REST channel, breaks one process of the network
the way production breaks it (SIGKILL, a hang via SIGSTOP), and checks what the patient and the
hospitals get. The launcher's :class:`demo.supervisor.Supervisor` restarts what was killed, so every
drill leaves the network whole again. Used by ``tests/e2e/test_faults.py`` (the fast drills, in CI)
and ``bench/faults.py`` (all of them, with their timings).
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from demo.network import Component, components, is_ready, recorded_pids
from qaid.config import REPO_ROOT, SECRET_NAMES, Settings
from qaid_contracts import binding

QUESTION = "is there a lesion?"


@contextmanager
def own_network(port_offset: int, var_dir: Path, start_timeout_s: float = 300) -> Iterator[Settings]:
    """A fresh network from the launcher (the processes `make run` starts) on ports moved by
    ``port_offset``, with fresh secrets and ``var_dir`` of its own; stopped (Ctrl-C path) afterwards.
    The end-to-end tests and ``bench/faults.py --start`` run on it. RuntimeError if it does not start."""
    bundles = REPO_ROOT / "var" / "bundles"
    fresh = {n: secrets.token_urlsafe(24) for n in SECRET_NAMES}
    env = {
        **os.environ,
        "QAID_PORT_OFFSET": str(port_offset),
        "QAID_VAR_DIR": str(var_dir),
        "QAID_BUNDLES_PATH": str(bundles),
        **{f"QAID_{n.upper()}": v for n, v in fresh.items()},
    }
    settings = Settings(port_offset=port_offset, var_dir=var_dir, bundles_path=bundles).model_copy(
        update=fresh
    )
    log = var_dir / "launcher.out"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "demo.network", "run"], env=env, cwd=REPO_ROOT, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + start_timeout_s
        while "network is up" not in log.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the network did not start (log {log}):\n{log.read_text()}")
            time.sleep(0.5)
        yield settings
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def inbox_auth(settings: Settings) -> dict[str, str]:
    """The demo inboxes' doctor credential (the launcher generates QAID_INBOX_TOKEN)."""
    return {"Authorization": f"Bearer {settings.inbox_token}"} if settings.inbox_token else {}


@dataclass
class DrillResult:
    name: str
    ok: bool
    # What the drill measures: seconds the patient waited for the answer, or for recovery.
    seconds: float
    recovery_s: float | None
    detail: str


class Patient:
    """One conversation over Rasa's REST channel, as the web chat and the tests hold it."""

    def __init__(self, settings: Settings, prefix: str = "drill") -> None:
        self.settings = settings
        self.sender = f"{prefix}-{uuid.uuid4().hex[:10]}"
        self.http = httpx.Client(timeout=60)
        # Rasa's REST channel is for tests and integrations, behind QAID_REST_TOKEN.
        self.rest_auth = {"Authorization": f"Bearer {settings.rest_token}"} if settings.rest_token else {}

    def say(self, text: str, metadata: dict[str, Any] | None = None) -> str:
        body: dict[str, Any] = {"sender": self.sender, "message": text}
        if metadata is not None:
            body["metadata"] = metadata
        r = self.http.post(
            f"{self.settings.rasa_url}/webhooks/rest/webhook", json=body, headers=self.rest_auth
        )
        r.raise_for_status()
        return "\n".join(m.get("text", "") for m in r.json())

    @property
    def conversation_id(self) -> str:
        """The id hospitals see for this conversation (a keyed hash of the sender id)."""
        return binding.conversation_id(self.settings.conversation_key, self.sender)

    def share_image(self, sample: str = "brain_lesion.png") -> str:
        data = (self.settings.bundles_dir / "samples" / sample).read_bytes()
        # bound to this conversation (the hub signs a reference), as the web page uploads
        auth = {
            "Authorization": f"Bearer {self.settings.hub_service_token}",
            binding.SENDER_HEADER: self.sender,
        }
        ref = self.http.post(f"{self.settings.hub_url}/api/v1/images", content=data, headers=auth)
        ref.raise_for_status()
        return self.say("/share_image", {"image": ref.json()})

    def consent_and_leave(self) -> str:
        """Book an appointment, consent and say goodbye; the consent prompt (it names the hospitals)."""
        reply = self.say("I would like an appointment")
        for message in ("Ana Popescu", "ana.popescu@example.org"):
            if "consent" in reply.lower() or "share" in reply.lower():
                break
            reply = self.say(message)
        self.say("yes")
        self.say("bye")
        return reply

    def close(self) -> None:
        self.http.close()


def _component(settings: Settings, name: str) -> Component:
    return next(c for c in components(settings) if c.name == name)


def pid_of(settings: Settings, name: str) -> int:
    pids = recorded_pids(settings)
    if name not in pids:
        raise RuntimeError(f"{name} is not recorded in {settings.var_dir}/network.pids: is the network up?")
    return pids[name]


def kill(settings: Settings, name: str) -> int:
    """SIGKILL the component's process group (no chance to clean up); its old PID."""
    pid = pid_of(settings, name)
    os.killpg(pid, signal.SIGKILL)
    return pid


def wait_back(settings: Settings, name: str, old_pid: int, timeout_s: float = 240) -> float:
    """Seconds until the supervisor has restarted ``name`` (new PID) and it answers ready."""
    t0 = time.monotonic()
    component = _component(settings, name)
    with httpx.Client(timeout=2) as client:
        while time.monotonic() - t0 < timeout_s:
            restarted = recorded_pids(settings).get(name, old_pid) != old_pid
            if restarted and is_ready(client, component):
                return time.monotonic() - t0
            time.sleep(0.25)
    raise TimeoutError(f"{name} was not back within {timeout_s:.0f} s")


@contextmanager
def hung(settings: Settings, name: str) -> Iterator[None]:
    """The component stops answering (SIGSTOP: connections are accepted, nothing comes back)."""
    pid = pid_of(settings, name)
    os.killpg(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(pid, signal.SIGCONT)


def _timed(call: Callable[[], str]) -> tuple[str, float]:
    t0 = time.monotonic()
    out = call()
    return out, time.monotonic() - t0


def _answered_without_one(reply: str) -> bool:
    # "1 of 1 hospitals answered …" plus "1 hospital was unreachable and left out."
    return "1 hospital was unreachable" in reply and "not a diagnosis" in reply.lower()


def hip_killed(settings: Settings, hospital_id: str = "herastrau") -> DrillResult:
    """A HIP dies between the image and the question: the others answer, the patient is told."""
    patient = Patient(settings)
    try:
        patient.say("hi")
        patient.share_image()
        old = kill(settings, f"hip-{hospital_id}")
        reply, waited = _timed(lambda: patient.say(QUESTION))
        back = wait_back(settings, f"hip-{hospital_id}", old)
        return DrillResult("HIP killed mid-conversation", _answered_without_one(reply), waited, back, reply)
    finally:
        patient.close()


def hip_hangs(settings: Settings, hospital_id: str = "cismigiu") -> DrillResult:
    """A HIP accepts connections and never answers: the bot's per-call timeout leaves it out."""
    patient = Patient(settings)
    try:
        patient.say("hi")
        patient.share_image()
        with hung(settings, f"hip-{hospital_id}"):
            reply, waited = _timed(lambda: patient.say(QUESTION))
        return DrillResult("HIP hangs", _answered_without_one(reply), waited, None, reply)
    finally:
        patient.close()


def _answers_about_the_image(reply: str) -> bool:
    return bool(re.search(r"\b\d of 2 hospitals answered\b", reply)) and "not a diagnosis" in reply.lower()


def restarted_mid_conversation(settings: Settings, name: str) -> DrillResult:
    """``actions`` or ``rasa`` killed after the image: once it is back the conversation goes on, the
    image and the hospitals' findings remembered (Rasa's tracker store, not process memory)."""
    patient = Patient(settings)
    try:
        patient.say("hi")
        patient.share_image()
        back = wait_back(settings, name, kill(settings, name))
        reply, waited = _timed(lambda: patient.say(QUESTION))
        title = {"actions": "action server restarted", "rasa": "Rasa server restarted"}[name]
        return DrillResult(title, _answers_about_the_image(reply), waited, back, reply)
    finally:
        patient.close()


def hub_killed_during_delivery(settings: Settings, conversations: int = 2) -> DrillResult:
    """The hub dies while a webhook is in flight (one inbox hangs): after its restart every consented
    hospital holds every transcript exactly once."""
    names = {h.name.split()[0]: h for h in settings.hospitals}
    expected: dict[str, set[str]] = {}
    slow = settings.hospitals[1]
    with hung(settings, f"inbox-{slow.id}"):
        for _ in range(conversations):
            patient = Patient(settings)
            try:
                patient.say("hi")
                patient.share_image()
                prompt = patient.consent_and_leave()
                expected[patient.conversation_id] = {h.id for word, h in names.items() if word in prompt}
            finally:
                patient.close()
        time.sleep(1.0)  # the worker picks the deliveries up; the one to the hung inbox stays in flight
        old = kill(settings, "hub")
    back = wait_back(settings, "hub", old)
    t0 = time.monotonic()
    missing = _wait_delivered(settings, expected, timeout_s=90)
    waited = time.monotonic() - t0
    total = sum(len(v) for v in expected.values())
    detail = f"{total - len(missing)} of {total} deliveries arrived exactly once" + (
        f"; missing or duplicated: {sorted(missing)}" if missing else ""
    )
    ok = not missing and all(slow.id in v for v in expected.values())
    return DrillResult("hub killed during delivery", ok, waited, back, detail)


def _wait_delivered(settings: Settings, expected: dict[str, set[str]], timeout_s: float) -> set[str]:
    """(hospital, conversation) pairs not (yet) in that inbox exactly once when the time is up."""
    want = {(h, c) for c, hs in expected.items() for h in hs}
    deadline = time.monotonic() + timeout_s
    bad = want
    with httpx.Client(timeout=5, headers=inbox_auth(settings)) as client:
        while time.monotonic() < deadline:
            counts: dict[tuple[str, str], int] = {}
            for h in {h for h, _ in want}:
                url = f"{settings.inbox_url(settings.hospital(h))}/api/transcripts"
                for entry in client.get(url).json():
                    key = (h, entry["conversation_id"])
                    counts[key] = counts.get(key, 0) + 1
            bad = {p for p in want if counts.get(p) != 1}
            if not bad:
                break
            time.sleep(0.5)
    return {f"{h}/{c}" for h, c in bad}


FAST_DRILLS: list[Callable[[Settings], DrillResult]] = [
    hip_killed,
    hip_hangs,
    lambda s: restarted_mid_conversation(s, "actions"),
    hub_killed_during_delivery,
]
SLOW_DRILLS: list[Callable[[Settings], DrillResult]] = [lambda s: restarted_mid_conversation(s, "rasa")]
