"""Fault drills with their timings: one command, against `make run` or a network of its own.

    PYTHONPATH=. .venv/bin/python bench/faults.py            # the running `make run` network
    PYTHONPATH=. .venv/bin/python bench/faults.py --start    # starts one on offset ports, stops it after

Runs every drill of demo/faults.py (the CI-fast ones and the Rasa restart) ``--repeat`` times and
prints, per drill, whether the promise held, how long the patient waited for the answer (target:
within 5 s when a HIP is down or hangs) and how long the launcher took to bring the part back.
Exit status 1 when any drill failed.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from demo import faults
from qaid.config import Settings, clear_settings_cache, ensure_secrets, operator_settings

TARGETS = {"HIP killed mid-conversation": 5.0, "HIP hangs": 5.0}


def running_settings() -> Settings:
    """The settings `make run` uses, with its generated secrets."""
    var = operator_settings().var_dir
    for line in ensure_secrets(var).read_text().splitlines():
        name, _, value = line.partition("=")
        if name:
            os.environ.setdefault(name, value)
    clear_settings_cache()
    return operator_settings()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", action="store_true", help="start a network of its own on offset ports")
    parser.add_argument("--offset", type=int, default=14000, help="port offset for --start")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each drill")
    parser.add_argument("--json", type=Path, help="write every result here")
    args = parser.parse_args()

    drills = faults.FAST_DRILLS + faults.SLOW_DRILLS
    results: list[faults.DrillResult] = []
    if args.start:
        var_dir = Path(tempfile.mkdtemp(prefix="qaid-faults-"))
        print(f"(network var dir and launcher log: {var_dir})")
    network = faults.own_network(args.offset, var_dir) if args.start else _nothing(running_settings())
    with network as settings:
        for drill in drills:
            for _ in range(args.repeat):
                r = drill(settings)
                results.append(r)
                mark = "ok  " if r.ok else "FAIL"
                back = f", back in {r.recovery_s:.1f} s" if r.recovery_s else ""
                print(f"{mark} {r.name}: answer {r.seconds:.2f} s{back}")
                if not r.ok:
                    print(f"     {r.detail[:400]}")

    print(f"\n{'drill':<32} {'runs':>4} {'held':>4} {'answer max s':>12} {'target s':>8} {'back max s':>10}")
    for name in dict.fromkeys(r.name for r in results):
        rs = [r for r in results if r.name == name]
        backs = [r.recovery_s for r in rs if r.recovery_s is not None]
        target = TARGETS.get(name)
        print(
            f"{name:<32} {len(rs):>4} {sum(r.ok for r in rs):>4} {max(r.seconds for r in rs):>12.2f} "
            f"{(f'{target:.0f}' if target else '-'):>8} {(f'{max(backs):.1f}' if backs else '-'):>10}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=2))
    failed = [r for r in results if not r.ok or r.seconds > TARGETS.get(r.name, float("inf"))]
    print(f"\n{len(results) - len(failed)} of {len(results)} drills held their promise.")
    return 1 if failed else 0


@contextmanager
def _nothing(settings: Settings) -> Iterator[Settings]:
    yield settings


if __name__ == "__main__":
    raise SystemExit(main())
