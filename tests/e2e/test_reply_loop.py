"""Issue 18's loop in headless Chromium against the real network (tests/browser/reply.test.mjs): a
patient consents in the web chat, a doctor of Herastrau signs in to its inbox, claims the case and
proposes an appointment, the patient accepts it in the open chat, the doctor sees the acceptance;
axe-core finds nothing on any page touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from qaid.config import REPO_ROOT, Settings

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
    run = subprocess.run(
        ["node", "--test", "--test-timeout=240000", "reply.test.mjs"],
        cwd=REPO_ROOT / "tests" / "browser", env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
