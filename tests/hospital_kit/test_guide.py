"""README "How a hospital joins", run as written: its marked shell blocks, in order, against a real
hub (``python -m hub``), in a fresh directory that stands for the hospital's checkout.

The README marks each block it wants run: ``<!-- join-guide: settings -->`` (the hospital's own
values, exported as variables; the test gives its own values for exactly these names and never runs
that block), ``<!-- join-guide: run -->`` (run with bash; must exit 0) and ``<!-- join-guide: serve
-->`` (keeps running: started in the background until the guide is done). The text of the other
blocks is not changed: only the variables differ."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image
from real_hub import clean_env, hospital_token, real_hub, wait_http
from utils.net import free_port

from qaid.config import REPO_ROOT

README = REPO_ROOT / "README.md"
BLOCK = re.compile(r"<!-- join-guide: (settings|run|serve) -->\n```bash\n(.*?)```", re.S)
# The smallest real training (one epoch of a tiny CascadeNet on 32 px images, one thread): too small
# to beat the trivial baselines, so it ships with the override (test_kit shows the refusal without it).
TINY_TRAINING = ("--epochs 1 --size 32 --width 4 --batch-size 8 --threads 1 --no-progress "
                 "--val 0.25 --test 0.25 --allow-below-baseline")  # fmt: skip


def guide_blocks() -> list[tuple[str, str]]:
    section = README.read_text().split("## How a hospital joins", 1)[1].split("\n## ", 1)[0]
    return [(kind, text) for kind, text in BLOCK.findall(section)]


def exported_names(settings_block: str) -> set[str]:
    names: set[str] = set()
    for line in settings_block.splitlines():
        if line.startswith("export "):
            code = line.split("#", 1)[0].removeprefix("export ")
            names |= set(re.findall(r"([A-Z_][A-Z0-9_]*)=", code))
    return names


def image_folder(root: Path) -> Path:
    """A hospital's images in the documented ImageFolder layout: classes that differ visibly."""
    rng = np.random.default_rng(0)
    for folder, level in {"brain": 200, "chest": 40, "non_medical": 120}.items():
        (root / folder).mkdir(parents=True)
        for k in range(8):
            a = np.full((40, 40), level, dtype=np.uint8) + rng.integers(0, 20, (40, 40), dtype=np.uint8)
            Image.fromarray(a).save(root / folder / f"img{k}.png")
    return root


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[str]:
    with real_hub(tmp_path / "hub") as url:
        yield url


def test_the_join_guide_runs_as_written(hub: str, tmp_path: Path) -> None:
    blocks = guide_blocks()
    kinds = [kind for kind, _ in blocks]
    assert kinds[0] == "settings" and kinds.count("settings") == 1 and "serve" in kinds, kinds
    hip_port, inbox_port = free_port(), free_port()
    token = hospital_token(tmp_path / "hub", "floreasca")  # what the operator gives the hospital
    values = {"HUB_URL": hub, "QAID_KIT_HUB_TOKEN": token, "TRAINING_OPTIONS": TINY_TRAINING,
              "TRAINING_DATA": str(image_folder(tmp_path / "images")),
              "HIP_PORT": str(hip_port), "INBOX_PORT": str(inbox_port)}  # fmt: skip
    assert exported_names(blocks[0][1]) == set(values)  # every setting the guide names, and only those
    checkout = tmp_path / "checkout"  # the hospital's working directory; the repo's venv and code
    checkout.mkdir()
    (checkout / ".venv").symlink_to(REPO_ROOT / ".venv")
    env = clean_env(**values, PYTHONPATH=f"{REPO_ROOT}{os.pathsep}{REPO_ROOT / 'contracts'}")
    served: list[subprocess.Popen[bytes]] = []
    try:
        for kind, text in blocks[1:]:
            if kind == "serve":
                proc = subprocess.Popen(["bash", "-euo", "pipefail", "-c", text], cwd=checkout, env=env,
                                        start_new_session=True)  # fmt: skip
                served.append(proc)
                wait_http(f"http://127.0.0.1:{hip_port}/ready", proc)
                wait_http(f"http://127.0.0.1:{inbox_port}/health", proc)
                _inbox_takes_the_documented_password(checkout / "hospital.toml", inbox_port)
                continue
            done = subprocess.run(["bash", "-euo", "pipefail", "-c", text], cwd=checkout, env=env,
                                  capture_output=True, text=True, timeout=600)  # fmt: skip
            assert done.returncode == 0, f"{text}\n---\n{done.stdout}\n{done.stderr}"
            if "hospital_kit --config hospital.toml join" in text:
                assert "floreasca is live" in done.stdout, done.stdout
    finally:
        for proc in served:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    assert "floreasca" not in {h["id"] for h in httpx.get(f"{hub}/api/v1/hospitals").json()["hospitals"]}


def _inbox_takes_the_documented_password(config: Path, port: int) -> None:
    """Step 6 tells doctors: HTTP Basic, any user name, the password is [inbox] token."""
    token = tomllib.loads(config.read_text())["inbox"]["token"]
    url = f"http://127.0.0.1:{port}/api/transcripts"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, auth=("any-name", token)).status_code == 200
