"""Schemathesis over every Q&Aid HTTP API: at least 10k generated cases per API, counted.

Run from the repository root::

    .venv/bin/python bench/fuzz_apis.py                        # 10k cases per API (hip, hub, inbox)
    .venv/bin/python bench/fuzz_apis.py --cases 500 --apis hub # a quick look at one API
    .venv/bin/python bench/fuzz_apis.py --json var/bench/fuzz_apis.json

The same targets and runner as the CI test (``tests/hardening``): each app in-process over ASGI on
throwaway state (the HIP on the tiny test bundle, the hub on SQLite, an inbox), positive and
negative cases for every operation plus variants with real ids and signed webhook bodies. Prints
per API: cases, status classes, failures by kind (with a first example) and time; exits 1 if any
case failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "hardening")]

import fuzz_targets  # noqa: E402
from fuzz_runner import Report, run  # noqa: E402

TARGETS = {"hip": fuzz_targets.hip, "hub": fuzz_targets.hub, "inbox": fuzz_targets.inbox_app}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000, help="cases per API (default 10000)")
    parser.add_argument("--per-unit", type=int, default=100, help="cases per operation/mode/variant a round")
    parser.add_argument("--apis", nargs="+", choices=sorted(TARGETS), default=sorted(TARGETS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # the apps log every refused request; the counts are the output

    reports: list[Report] = []
    with tempfile.TemporaryDirectory(prefix="qaid-fuzz-") as tmp:
        for api in args.apis:
            target = TARGETS[api](Path(tmp) / api)
            report = run(target, target_cases=args.cases, per_unit=args.per_unit, seed=args.seed)
            reports.append(report)
            print(report.summary(), flush=True)
            for label, n in sorted(report.per_operation.items()):
                print(f"    {n:6d}  {label}")

    print(f"\n{'api':6} {'cases':>7} {'2xx':>6} {'4xx':>6} {'5xx':>5} {'failures':>8} {'s':>7}  target")
    for r in reports:
        s = r.statuses
        verdict = "ok" if r.cases >= args.cases and not r.failed else "NOT MET"
        counts = f"{r.cases:7d} {s['2xx']:6d} {s['4xx']:6d} {s['5xx']:5d} {r.failed:8d} {r.seconds:7.1f}"
        print(f"{r.api:6} {counts}  ≥{args.cases} cases, 0 failures: {verdict}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        figures = [
            {
                "api": r.api,
                "cases": r.cases,
                "seconds": round(r.seconds, 1),
                "statuses": dict(r.statuses),
                "failures": dict(r.failures),
                "examples": r.examples,
                "per_operation": dict(r.per_operation),
            }
            for r in reports
        ]
        args.json.write_text(json.dumps(figures, indent=2))
    return 0 if all(not r.failed and r.cases >= args.cases for r in reports) else 1


if __name__ == "__main__":
    raise SystemExit(main())
