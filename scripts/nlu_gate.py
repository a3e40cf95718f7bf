"""Gate on `rasa test nlu` over the held-out patient messages: print the per-intent table and the
confusion table from Rasa's intent report, the trivial baselines on the same messages beside the
model's figure (scripts/nlu_baselines.py), and fail (exit 1) below the macro-F1 threshold.

    python scripts/nlu_gate.py var/rasa-results/heldout_v14/intent_report.json --min-macro-f1 0.90 \
        --heldout bot/tests/heldout/intents_v14.yml --train bot/data/nlu
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import nlu_baselines  # beside this script

SUMMARY_KEYS = ("accuracy", "macro avg", "weighted avg", "micro avg")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("report", type=Path)
    ap.add_argument("--min-macro-f1", type=float, required=True)
    ap.add_argument("--heldout", type=Path, help="the held-out NLU file the report is of (for the baselines)")
    ap.add_argument("--train", type=Path, help="the training NLU folder (for the baselines)")
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
    if args.heldout and args.train:
        train = nlu_baselines.examples(sorted(args.train.rglob("*.yml")))
        from qaid_bot.nlu.red_flags import assess  # the rules the model's pipeline applies too

        found = nlu_baselines.scores(
            train, nlu_baselines.examples([args.heldout]), lambda t: assess(t).emergency
        )
        for name, b in found.items():
            print(f"  baseline {name}: macro-F1 {b['macro_f1']:.4f}, accuracy {b['accuracy']:.4f}")
    if macro < args.min_macro_f1:
        print(f"FAILED: held-out intent macro-F1 {macro:.4f} < {args.min_macro_f1}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
