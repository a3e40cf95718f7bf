"""The real-image evaluation: ``python -m ml.real_eval build`` then ``python -m ml.real_eval report``.

``build`` writes ``<out>/images/*.png`` and ``<out>/manifest.json`` from the ``val`` and ``eval``
sources of :mod:`ml.real_sources` (plus, for a few eval scans, a phone photo of the scan on a
screen made with :func:`ml.augment.screen_photo` — same source, so same role). Each item has its
expected answers: medical or not, body part (or "other"), modality, plane, pixel spacing.

``report`` prints every figure of every demo hospital's bundle beside the trivial baselines
(:mod:`ml.eval_metrics`) on the generated demo test split and on the real eval set, and the
validation figures the thresholds were chosen on. Deterministic: fixed seeds, single-threaded ORT.
``make eval`` runs both.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from ml import eval_metrics as em
from ml.augment import screen_photo
from ml.bundle_runner import BundleRunner
from ml.real_sources import sources
from qaid.config import REPO_ROOT, get_settings

DEFAULT_OUT = REPO_ROOT / "var" / "real_eval"
SCREEN_PHOTOS = (
    "cr-chest",
    "ct-head-693",
    "mr-head-s1045",
    "mr-brain-b0",
    "us-obstetric",
    "fundus-microaneurysms",
)
MIN_LESION_FRACTION = 0.002  # hip_service.config.HipConfig.abnormal_min_fraction's default


def build(out: Path = DEFAULT_OUT) -> Path:
    images = out / "images"
    images.mkdir(parents=True, exist_ok=True)
    items = []
    rng = np.random.default_rng(2024)
    for src in sources():
        if src.role == "train":
            continue
        loaded = src.load()
        variants = [(n, a, sp, "") for n, a, sp in loaded]
        if src.id in SCREEN_PHOTOS:
            n, a, _ = loaded[len(loaded) // 2]
            photo = np.asarray(screen_photo(Image.fromarray(a).convert("RGB").resize((384, 384)), rng))
            variants.append((n + "-screen-photo", photo, None, "phone photo of the scan on a screen"))
        for name, arr, spacing, variant in variants:
            file = f"{src.id}__{name.replace('#', '_').replace('.', '_')}.png"
            Image.fromarray(arr).save(images / file)
            items.append(
                {
                    "file": f"images/{file}",
                    "source": src.id,
                    "role": src.role,
                    "kind": src.kind,
                    "medical": src.medical,
                    "body_part": src.body_part,
                    "modality": src.modality,
                    "orientation": src.orientation,
                    "pixel_spacing_mm": spacing,
                    "variant": variant,
                    "origin": src.origin,
                }
            )
    manifest = {
        "about": "real images shipped in installed packages; split by source (ml.real_sources)",
        "items": items,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return out / "manifest.json"


def _read(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB" if im.mode in ("RGB", "RGBA", "P") else "L"))


def load(out: Path, role: str) -> tuple[list[np.ndarray], np.ndarray, list[str | None], list[dict]]:
    manifest = json.loads((out / "manifest.json").read_text())
    items = [i for i in manifest["items"] if i["role"] == role]
    imgs = [_read(out / i["file"]) for i in items]
    return imgs, np.asarray([i["medical"] for i in items]), [i["body_part"] for i in items], items


def _fmt(v: object) -> str:
    return f"{v:.3f}" if isinstance(v, float) and v == v else str(v)


def table(title: str, rows: dict[str, dict[str, object]]) -> str:
    cols = list(dict.fromkeys(k for r in rows.values() for k in r))
    width = max(len(r) for r in rows) + 2
    lines = [f"\n## {title}", " " * width + "  ".join(f"{c:>14s}" for c in cols)]
    for name, r in rows.items():
        lines.append(f"{name:{width}s}" + "  ".join(f"{_fmt(r.get(c, '')):>14s}" for c in cols))
    text = "\n".join(lines)
    print(text, flush=True)
    return text


def answers(readings: list, items: list[dict]) -> list[dict]:
    """What each real eval image got, beside what was expected (for the model cards' failure list)."""
    out = []
    for r, item in zip(readings, items, strict=True):
        part = r.body_part
        out.append({"file": item["file"], "expected_medical": item["medical"], "medical": r.medical,
                    "expected_body_part": item["body_part"], "body_part": part.name if part else None,
                    "top": part.top if part else None, "reason": r.body_part_reason,
                    "modality": r.modality.name if r.modality else None})  # fmt: skip
    return out


def report(bundles: Path, data: Path, seed: int = 0, scale: float = 1.0) -> dict:
    """Every table; ``scale`` < 1 shrinks the generated demo sets (tests), never the real ones."""
    from ml import eval_data

    runners = {
        d.name: BundleRunner.open(d) for d in sorted(bundles.iterdir()) if (d / "manifest.json").is_file()
    }
    if not runners:
        raise SystemExit(f"no bundles in {bundles}: run make bundles")
    real = {r: load(data, r) for r in ("val", "eval")}
    demo = eval_data.demo_test(seed, scale)
    base = eval_data.baseline_train(seed, scale)
    out: dict = {"tables": []}
    splits = {"demo test": demo, "real eval": real["eval"][:3], "real val": real["val"][:3]}
    for split_name, (imgs, med, parts) in splits.items():
        readings = {h: r.cascade(imgs) for h, r in runners.items()}
        rows = {h: em.cascade_figures(rs, med, parts) for h, rs in readings.items()}
        nn_med, nn_part = em.nn_baseline(base.images, np.asarray(base.medical), np.asarray(base.label), imgs)
        rows["baseline: nearest neighbour 16px"] = em.baseline_figures(nn_med, nn_part, med, parts)
        grey = em.grey_baseline(imgs)
        rows["baseline: grey = medical"] = em.baseline_figures(grey, [None] * len(imgs), med, parts)
        out[f"cascade {split_name}"] = rows
        out["tables"].append(table(f"Cascade on the {split_name} ({len(imgs)} images)", rows))
        if split_name == "real eval":
            out["real eval answers"] = {h: answers(rs, real["eval"][3]) for h, rs in readings.items()}
    out.update(eval_data.task_tables(runners, real, MIN_LESION_FRACTION, table, scale))
    out["calibration"] = {
        h: {e.task: e.calibration.model_dump() for e in r.manifest.models if e.calibration}
        for h, r in runners.items()
    }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write the real validation/evaluation images and their manifest")
    b.add_argument("--out", type=Path, default=DEFAULT_OUT)
    r = sub.add_parser("report", help="every figure beside its baselines, demo test split and real set")
    r.add_argument("--bundles", type=Path, default=None)
    r.add_argument("--data", type=Path, default=DEFAULT_OUT)
    r.add_argument("--json", type=Path, default=None)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--cards", type=Path, default=None, help="also write the model cards into this folder")
    r.add_argument("--scale", type=float, default=1.0, help="share of the generated demo sets (real: all)")
    args = parser.parse_args(argv)
    if args.command == "build":
        path = build(args.out)
        print(f"real-image set written: {path} ({len(json.loads(path.read_text())['items'])} images)")
        return 0
    result = report(args.bundles or get_settings().bundles_dir, args.data, args.seed, args.scale)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1, default=str) + "\n")
    if args.cards:
        from ml.eval_cards import write_cards

        print("model cards: " + ", ".join(str(p) for p in write_cards(result, args.cards)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
