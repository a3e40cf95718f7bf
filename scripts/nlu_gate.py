"""Gate on `rasa test nlu` over the held-out patient messages: print the per-intent table and the
confusion table from Rasa's intent report, and fail (exit 1) below the macro-F1 threshold.

    python scripts/nlu_gate.py var/rasa-results/heldout/intent_report.json --min-macro-f1 0.93
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SUMMARY_KEYS = ("accuracy", "macro avg", "weighted avg", "micro avg")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("report", type=Path)
    ap.add_argument("--min-macro-f1", type=float, required=True)
    args = ap.parse_args()
    report = json.loads(args.report.read_text(encoding="utf-8"))
    intents = {k: v for k, v in report.items() if k not in SUMMARY_KEYS and isinstance(v, dict)}
    print(f"{'intent':22s} {'f1':>5s} {'prec':>5s} {'rec':>5s} {'n':>4s}  confused with")
    for name, r in sorted(intents.items()):
        pairs = sorted(r.get("confused_with", {}).items(), key=lambda kv: -kv[1])
        confused = ", ".join(f"{k} {n}" for k, n in pairs)
        scores = f"{r['f1-score']:5.2f} {r['precision']:5.2f} {r['recall']:5.2f} {r['support']:4d}"
        print(f"{name:22s} {scores}  {confused}")
    macro = float(report["macro avg"]["f1-score"])
    accuracy, n = float(report["accuracy"]), report["macro avg"]["support"]
    print(f"macro-F1 {macro:.4f} (gate {args.min_macro_f1}), accuracy {accuracy:.4f}, n={n}")
    if macro < args.min_macro_f1:
        print(f"FAILED: held-out intent macro-F1 {macro:.4f} < {args.min_macro_f1}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
