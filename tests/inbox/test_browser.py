"""The inbox's doctor pages in headless Chromium with axe-core (tests/browser/inbox.test.mjs)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from qaid.config import REPO_ROOT


def test_doctor_pages_work_in_chromium_with_no_axe_violations() -> None:
    browser_dir = REPO_ROOT / "tests" / "browser"
    assert shutil.which("node"), (
        "Node.js is needed for the browser test (make setup-browser installs the rest)"
    )
    assert (browser_dir / "node_modules" / "axe-core").is_dir(), "run make setup-browser first"
    env = {**os.environ, "QAID_PYTHON": sys.executable}
    run = subprocess.run(
        ["node", "--test", "--test-timeout=120000", "inbox.test.mjs"],
        cwd=browser_dir, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
