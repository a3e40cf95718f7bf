"""Hostile image files through the HIP's decoder and the hub's upload check: ≥ 1k files, counted.

Run from the repository root::

    .venv/bin/python bench/fuzz_images.py                 # 1000 files
    .venv/bin/python bench/fuzz_images.py --files 5000 --seed 7

The same strategies and property as the CI test (``tests/hardening/hostile_images.py``): each file
is a valid image within limits or the one clear error (ImageError with a known code and status, a
4xx on the hub), within 5 s and 100 MB of traced allocations. Prints files per category and outcome,
every property failure with its first message, time, and the process's peak RSS (the high-water
mark of all files together); exits 1 if any file failed the property.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "hardening")]

import hostile_images  # noqa: E402
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    outcomes: Counter[tuple[str, str]] = Counter()
    failures: Counter[str] = Counter()
    examples: dict[str, str] = {}
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    @seed(args.seed)
    @settings(
        max_examples=args.files,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # nothing is raised, nothing to shrink
        suppress_health_check=list(HealthCheck),
    )
    @given(hostile_images.hostile())
    def one(drawn: tuple[str, bytes]) -> None:
        category, data = drawn
        try:
            outcomes[category, hostile_images.outcome(category, data)] += 1
        except Exception as exc:  # a failed property or an exception of another type: counted
            kind = f"{category}: {type(exc).__name__}"
            failures[kind] += 1
            examples.setdefault(kind, str(exc)[:200])
            outcomes[category, "PROPERTY FAILED"] += 1

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one()
    seconds = time.perf_counter() - start
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    total = sum(outcomes.values())
    print(f"{total} hostile files in {seconds:.1f} s; limits {hostile_images.LIMITS}")
    print(f"peak RSS {rss_peak / 1024:.0f} MB (before the files: {rss_before / 1024:.0f} MB)\n")
    for category in sorted({c for c, _ in outcomes}):
        rows = {o: n for (c, o), n in outcomes.items() if c == category}
        detail = ", ".join(f"{o}: {n}" for o, n in sorted(rows.items(), key=lambda kv: -kv[1]))
        print(f"{sum(rows.values()):5d}  {category:15} {detail}")
    print(f"\nproperty failures: {sum(failures.values())}")
    for kind, n in failures.most_common():
        print(f"  {n:4d}  {kind}  e.g. {examples[kind]}")
    met = total >= args.files and not failures
    print(f"target ≥{args.files} files, 0 failures: {'ok' if met else 'NOT MET'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
