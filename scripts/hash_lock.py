"""Add ``--hash=sha256:`` to every pin of a lock file, from the distribution files pip would install.

    python scripts/hash_lock.py requirements/platform.lock   # rewrites the file in place

``pip download --no-deps`` fetches (or takes from its cache and this machine's wheel directory) the
very files ``scripts/setup.sh`` installs; their digests go into the lock, and setup installs with
``--require-hashes``, so a file that changes on an index or in transit is refused, not installed.
Runs with any Python that has pip; scripts/lock.sh calls it after resolving.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path


def _pins(lock: Path) -> list[str]:
    out = []
    for line in lock.read_text().splitlines():
        pin = line.split("#", 1)[0].split("--hash", 1)[0].strip().rstrip("\\").strip()
        if pin:
            out.append(pin)
    return out


def _digests(pins: list[str], python: str) -> dict[str, list[str]]:
    """Normalised project name -> sha256 of each file pip downloads for it."""
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "req.txt"
        req.write_text("\n".join(pins) + "\n")
        cmd = [python, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, "-r", str(req)]
        subprocess.run(cmd, check=True)
        found: dict[str, list[str]] = {}
        for f in Path(tmp).iterdir():
            if f.name == "req.txt":
                continue
            name = f.name.split("-", 1)[0].lower().replace("_", "-").replace(".", "-")
            found.setdefault(name, []).append(hashlib.sha256(f.read_bytes()).hexdigest())
        return found


def main(argv: list[str]) -> int:
    lock = Path(argv[1])
    python = argv[2] if len(argv) > 2 else sys.executable
    header = [line for line in lock.read_text().splitlines() if line.startswith("#")]
    pins = _pins(lock)
    digests = _digests(pins, python)
    lines = list(header)
    for pin in pins:
        name = pin.split("==", 1)[0].lower().replace("_", "-").replace(".", "-")
        hashes = digests.get(name)
        if not hashes:
            raise SystemExit(f"hash_lock: pip downloaded nothing for {pin}")
        lines.append(pin + "".join(f" \\\n    --hash=sha256:{h}" for h in sorted(hashes)))
    lock.write_text("\n".join(lines) + "\n")
    print(f"hash_lock: {len(pins)} pins hashed in {lock}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
