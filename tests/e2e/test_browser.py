"""The web chat page in headless Chromium against the real network (tests/browser/chat.test.mjs)."""

from __future__ import annotations

import os
import shutil
import subprocess

from qaid.config import REPO_ROOT, Settings


def test_web_chat_carries_a_conversation_with_an_image(network: Settings) -> None:
    assert shutil.which("node"), "Node.js is needed for the browser test (make test installs the rest)"
    env = {
        **os.environ,
        "QAID_HUB_URL": network.hub_url,
        "QAID_DEMO_IMAGE": str(network.bundles_dir / "samples" / "brain_lesion.png"),
    }
    run = subprocess.run(
        ["node", "--test", "--test-timeout=180000", "chat.test.mjs"],
        cwd=REPO_ROOT / "tests" / "browser", env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
