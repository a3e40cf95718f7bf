"""The hospital kit end to end, all real processes: a hub (``python -m hub``) and a new hospital that
starts from nothing: it trains its own tiny bundle with ``python -m ml.train_cli`` (the baseline gate
refuses it first), then ``python -m hospital_kit`` init, check, run, join (the hub's checks), a patient's
image and consented transcript in its inbox, a VQA model trained into the bundle and hot-swapped in, a
secret rotation, and leaving."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from kit_helpers import HOSPITAL, helpers, train_tiny
from PIL import Image
from real_hub import ADMIN_TOKEN, CONVERSATION_KEY, SERVICE_TOKEN, hospital_token, real_hub, stop, wait_http
from real_hub import clean_env as _env
from utils.net import free_port

from qaid.config import REPO_ROOT
from qaid_contracts import binding

tr = helpers("tr_helpers", "hub")


def kit(config: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "hospital_kit", "--config", str(config), *args]
    return subprocess.run(argv, cwd=REPO_ROOT, env=env or _env(), capture_output=True, text=True, timeout=300)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[str]:
    with real_hub(tmp_path / "hub") as url:
        yield url


class Running:
    """``python -m hospital_kit run`` in the background, in a shell that holds the operator's
    QAID_* variables: the kit must not pass them to its HIP and inbox."""

    def __init__(self, config: Path, hip_port: int, inbox_port: int):
        leaky = _env(
            QAID_HIP_TOKEN="the-operators-token", QAID_INBOX_SECRETS="whsec_b3BlcmF0b3JzIHNlY3JldCEh"
        )
        self.proc = subprocess.Popen([sys.executable, "-m", "hospital_kit", "--config", str(config), "run"],
                                     cwd=REPO_ROOT, env=leaky)  # fmt: skip
        wait_http(f"http://127.0.0.1:{hip_port}/ready", self.proc)
        wait_http(f"http://127.0.0.1:{inbox_port}/health", self.proc)

    def stop(self) -> None:
        stop(self.proc)


def _png() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def _admin_view(hub: str) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    return dict(httpx.get(f"{hub}/api/v1/hospitals/{HOSPITAL}", headers=auth).json())


def _deliver_a_transcript(hub: str, inbox: str, inbox_token: str) -> None:
    service = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    # the upload names its conversation; the transcript carries the hub's reference binding the two
    uploaded = {**service, binding.SENDER_HEADER: "patient-1"}
    image = httpx.post(f"{hub}/api/v1/images", content=_png(), headers=uploaded).json()
    body = tr.transcript([HOSPITAL], conversation_id=binding.conversation_id(CONVERSATION_KEY, "patient-1"))
    body["images"] = [{"image_id": image["image_id"], "sha256": image["sha256"], "ref": image["ref"]}]
    body["messages"][0]["image_id"] = image["image_id"]
    assert httpx.post(f"{hub}/api/v1/transcripts", json=body, headers=service).status_code == 201
    doctor = {"Authorization": f"Bearer {inbox_token}"}
    assert httpx.get(f"{inbox}/api/transcripts").status_code == 401  # the pages need the doctors' token
    deadline = time.monotonic() + 60
    while not (got := httpx.get(f"{inbox}/api/transcripts", headers=doctor).json()):
        assert time.monotonic() < deadline, "the transcript never reached the inbox"
        time.sleep(0.2)
    entry = httpx.get(f"{inbox}/api/transcripts/{got[0]['webhook_id']}", headers=doctor).json()
    assert entry["transcript"]["conversation_id"] == body["conversation_id"]
    link = entry["links"]["images"][image["image_id"]]
    assert httpx.get(link).content == _png()  # the patient's image, through its capability link


def test_a_new_hospital_joins_serves_swaps_rotates_and_leaves(hub: str, tmp_path: Path) -> None:
    config, hip_port, inbox_port = tmp_path / "kit" / "hospital.toml", free_port(), free_port()
    bundle, runs = tmp_path / "kit" / "bundles" / HOSPITAL, tmp_path / "kit" / "runs"
    train_tiny("cascade", bundle, runs / "cascade", "--hip-id", HOSPITAL, "--hip-name", "Floreasca Hospital",
               "--bundle-version", "1.0.0", head="filter", cwd=REPO_ROOT)  # fmt: skip
    made = kit(config, "init", "--id", HOSPITAL, "--name", "Floreasca Hospital", "--lat", "44.465",
               "--lon", "26.105", "--bundle", str(bundle), "--hip-port", str(hip_port),
               "--inbox-port", str(inbox_port), "--hub-url", hub)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert oct(config.stat().st_mode & 0o777) == "0o600"
    checked = kit(config, "check")
    assert checked.returncode == 0 and "bundle:" in checked.stdout and "join` needs it" in checked.stdout
    # the operator lets floreasca join: its own token, not the hub's admin token
    joined_env = _env(QAID_KIT_HUB_TOKEN=hospital_token(tmp_path / "hub", HOSPITAL))
    no_token = kit(config, "join")
    assert no_token.returncode == 2 and "QAID_KIT_HUB_TOKEN" in no_token.stderr
    wrong = kit(config, "join", env=_env(QAID_KIT_HUB_TOKEN="not-the-token"))
    assert wrong.returncode == 1 and "the hub refused the token" in wrong.stderr

    running = Running(config, hip_port, inbox_port)
    try:
        joined = kit(config, "join", env=joined_env)
        assert joined.returncode == 0, joined.stdout + joined.stderr
        assert "floreasca is live" in joined.stdout and joined.stdout.count("ok ") == 6
        tested = kit(config, "test-event", env=joined_env)  # the hospital's own "send test event"
        assert tested.returncode == 0 and "accepts signed deliveries" in tested.stdout, tested.stderr
        again = kit(config, "test-event", env=joined_env)  # spaced: one per 10 s by default
        assert again.returncode == 1 and "429 too_many_requests" in again.stderr
        assert "Retry-After:" in again.stderr
        public = httpx.get(f"{hub}/api/v1/hospitals").json()["hospitals"]
        offers = next(h for h in public if h["id"] == HOSPITAL)["offers"]
        assert offers == {}, offers  # a cascade alone: triage and body part, no VQA or segmentation yet
        inbox_token = _inbox_token(config)
        _deliver_a_transcript(hub, f"http://127.0.0.1:{inbox_port}", inbox_token)

        train_tiny("vqa", bundle, runs / "vqa", "--bundle-base", str(bundle), "--topics", "chest_xray",
                   "--bundle-version", "2.0.0", head="vqa", cwd=REPO_ROOT)  # fmt: skip
        swapped = kit(config, "reload", env=joined_env)
        assert swapped.returncode == 0 and "swapped to bundle 2.0.0" in swapped.stdout, swapped.stderr
        # The swap reaches the hub, but this hospital's own cascade has no modality/plane heads (an
        # ImageFolder does not label them), so the new VQA could never check an image's kind: the
        # HIP refuses it on every image and does not offer it (docs/hip.md), and the hub follows.
        view = _admin_view(hub)
        assert view["bundle_version"] == "2.0.0" and "vqa" not in view["offers"], view
        capabilities = httpx.get(f"http://127.0.0.1:{hip_port}/v1/capabilities", headers=_hip_auth(config))
        assert [m["task"] for m in capabilities.json()["models"]].count("vqa") == 1

        assert kit(config, "rotate-secret", "start").returncode == 0
        running.stop()
        running = Running(config, hip_port, inbox_port)
        assert kit(config, "join", env=joined_env).returncode == 0
        assert _admin_view(hub)["webhook_secrets_active"] == 2
        assert kit(config, "rotate-secret", "finish").returncode == 0
        running.stop()
        running = Running(config, hip_port, inbox_port)
        assert kit(config, "join", env=joined_env).returncode == 0
        view = _admin_view(hub)
        assert view["webhook_secrets_active"] == 1 and view["active"]
    finally:
        running.stop()
    offline = kit(config, "verify", env=joined_env)  # the HIP and the inbox are stopped now
    assert offline.returncode == 1 and "NOT live: hip_reachable" in offline.stderr
    left = kit(config, "leave", env=joined_env)
    assert left.returncode == 0 and "left the network" in left.stdout
    assert HOSPITAL not in {h["id"] for h in httpx.get(f"{hub}/api/v1/hospitals").json()["hospitals"]}
    after = kit(config, "verify", env=joined_env)  # the token left with the registration
    assert after.returncode == 1 and "ask the hub operator for a new one" in after.stderr


def _inbox_token(config: Path) -> str:
    import tomllib

    return str(tomllib.loads(config.read_text())["inbox"]["token"])


def _hip_auth(config: Path) -> dict[str, str]:
    import tomllib

    return {"Authorization": f"Bearer {tomllib.loads(config.read_text())['hip']['token']}"}
