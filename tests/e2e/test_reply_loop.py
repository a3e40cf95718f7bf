"""Issue 18's loop in headless Chromium against the real network (tests/browser/reply.test.mjs): a
patient consents in the web chat, a doctor of Herastrau signs in to its inbox, claims the case and
proposes an appointment, the patient accepts it in the open chat, the doctor sees the acceptance;
axe-core finds nothing on any page touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from hub.models import DELIVERED, TO_BOT, ReplyJob
from qaid.config import REPO_ROOT, Settings
from qaid.db import make_engine, session_factory

HOSPITAL = "herastrau"
PASSWORD = "reply loop password for tests"


def test_a_doctors_appointment_reaches_the_patient_who_accepts(network: Settings) -> None:
    assert shutil.which("node"), "Node.js is needed for the browser test (make test installs the rest)"
    db = network.var_dir / f"inbox-{HOSPITAL}.sqlite3"
    add = subprocess.run(
        [sys.executable, "-m", "inbox", "doctors", "add", "dr.reply", "--name", "Dr Ana Ionescu",
         "--hospital", HOSPITAL, "--db", str(db), "--password-stdin"],
        input=PASSWORD + "\n", cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert add.returncode == 0, add.stderr
    spec = network.hospital(HOSPITAL)
    env = {
        **os.environ,
        "QAID_HUB_URL": network.hub_url,
        "QAID_INBOX_URL": network.inbox_url(spec),
        "QAID_INBOX_HOSPITAL": spec.name,
        "QAID_DOCTOR": "dr.reply",
        "QAID_DOCTOR_PASSWORD": PASSWORD,
    }
    loop = _node(env, "loop")
    assert loop.returncode == 0, loop.stdout[-6000:] + loop.stderr[-3000:]
    # The page is closed now and a message was sent meanwhile: the patient comes back only once the
    # hub has delivered it to the bot (both replies' notices delivered), so the notice on the next
    # visit is what is tested, not a race with the live path.
    _wait_for_bot_deliveries(network, 2)
    back = _node(env, "return")
    assert back.returncode == 0, back.stdout[-6000:] + back.stderr[-3000:]


def _node(env: dict[str, str], phase: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", "--test", "--test-timeout=240000", "reply.test.mjs"],
        cwd=REPO_ROOT / "tests" / "browser", env={**env, "QAID_PHASE": phase},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _wait_for_bot_deliveries(settings: Settings, count: int, timeout_s: float = 60.0) -> None:
    engine = make_engine(settings.hub_db_url())
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with session_factory(engine)() as db:
                done = db.scalar(
                    select(func.count()).select_from(ReplyJob)
                    .where(ReplyJob.target == TO_BOT, ReplyJob.status == DELIVERED)
                )  # fmt: skip
            if done == count:
                return
            time.sleep(0.5)
        pytest.fail(f"the hub did not deliver {count} reply notices to the bot within {timeout_s} s")
    finally:
        engine.dispose()
