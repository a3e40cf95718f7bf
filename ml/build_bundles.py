"""One command from nothing to a model bundle per demo hospital: ``python -m ml.build_bundles``.

Generates the demo data, trains the cascade and the U-Net (in a forked process) while the VQA
model trains in this one — two single-threaded processes use 2 cores better than one process
with two intra-op threads for these small tensors — exports ONNX, checks ONNX Runtime against
torch, and writes ``<out>/<hip_id>/`` (manifest.json + ONNX files) for every hospital in the
settings, plus demo images in ``<out>/samples/``. With ``--int8`` each ONNX file is then quantized
(calibrated on the demo val split) and replaces the fp32 file in the bundles only where none of its
test-split metrics drops by more than 1 point (:func:`ml.quantize.int8_gate_bundle`'s rule).

The models are trained once on the pooled training split; every bundle ships the same cascade and
only the VQA/segmentation models (and topics) its hospital offers. The per-hospital non-IID
partition is computed and recorded in the provenance for federated experiments.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import shutil
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from ml import model_card, samples
from ml.bundle_writer import FILES, cascade_entries, new_manifest, segmentation_entry, vqa_entry, write_bundle
from ml.demo_data import (
    ANSWER_TYPES,
    ANSWERS,
    MAX_QUESTION_LEN,
    DataConfig,
    Split,
    encode_questions,
    generate,
    partition,
    question_vocab,
)  # fmt: skip
from ml.export import export_and_check
from ml.models import Cascade, UNet
from ml.train import TrainConfig, Trained, images_to_tensor, train_cascade, train_segmentation, train_vqa
from qaid.bundle import BODY_PARTS, DEFAULT_LABEL_TOPICS, ModelEntry, Provenance, read_manifest
from qaid.config import REPO_ROOT, HospitalSpec, get_settings

if TYPE_CHECKING:  # ml.quantize (onnxruntime.quantization) is imported only by --int8 builds
    from ml.quantize import Int8Decision

QUALITY_BARS = {
    "filter_accuracy": 0.99, "labeler_macro_f1": 0.95, "segmentation_dice": 0.85,
    "vqa_closed_accuracy": 0.90, "vqa_open_accuracy": 0.75,
}  # fmt: skip
QUICK_TRAIN = TrainConfig(cascade_epochs=1, cascade_per_class=6, seg_epochs=1, vqa_epochs=1, batch=8)
QUICK_SCALE = 0.08

DEFAULT_CARDS = REPO_ROOT / "docs" / "model-cards"

_DATA: dict[str, Split] = {}  # handed to the forked cascade trainer without pickling


def _worker_job(cfg: TrainConfig) -> dict[str, tuple]:
    """Cascade then U-Net, single-threaded, in the forked worker (data inherited via ``_DATA``)."""
    torch.set_num_threads(1)
    out = {}
    for name, train in (("cascade", train_cascade), ("segmentation", train_segmentation)):
        r = train(_DATA, cfg)
        out[name] = (r.model.state_dict(), r.metrics, r.losses, r.seconds, r.confusions)
    return out


def train_all(data: dict[str, Split], cfg: TrainConfig) -> dict[str, Trained]:
    """Train the three models: cascade + U-Net in a forked worker, VQA here, both single-threaded.

    The split balances the two cores (cascade + U-Net take about as long as the VQA model).
    """
    _DATA.update(data)
    ctx = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
        job = pool.submit(_worker_job, cfg)
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            vqa = train_vqa(data, cfg)
        finally:
            torch.set_num_threads(threads)
        results = job.result()
    _DATA.clear()
    models = {
        "cascade": Cascade(len(BODY_PARTS), cfg.cascade_blocks),
        "segmentation": UNet(3, 1, cfg.seg_features),
    }
    trained = {"vqa": vqa}
    for name, model in models.items():
        state, metrics, losses, seconds, confusions = results[name]
        model.load_state_dict(state)
        trained[name] = Trained(model.eval(), metrics, losses, seconds, confusions)
    return trained


def export_all(trained: dict[str, Trained], data: dict[str, Split], cfg: TrainConfig, stage: Path) -> dict:
    """Export to ``stage``; returns head initializer names and the torch/ORT max differences."""
    test = data["test"]
    probe = list(range(0, len(test.images), max(1, len(test.images) // 6)))[:6]
    imgs = [test.images[i] for i in probe]
    questions = encode_questions(
        ["is this image abnormal?", "which side is the lesion on?"] * 3, question_vocab()
    )
    heads: dict[str, str] = {}
    diffs = {}
    for task in ("cascade", "segmentation", "vqa"):
        feeds = {"image": images_to_tensor(imgs, cfg.spec(task)).numpy()}
        if task == "vqa":
            feeds["question"] = questions[: len(imgs)]
        h, diffs[task] = export_and_check(
            task, trained[task].model, stage / FILES[task], feeds, MAX_QUESTION_LEN
        )
        heads.update(h)
    return {"heads": heads, "parity": diffs}


def _entries(
    hospital: HospitalSpec,
    trained: dict[str, Trained],
    cfg: TrainConfig,
    heads: dict[str, str],
    stage: Path,
    prov: dict[str, str],
    version: str,
) -> list[ModelEntry]:
    def provenance(task: str) -> Provenance:
        return Provenance(metrics=trained[task].metrics, **prov)

    out = cascade_entries(
        stage / FILES["cascade"], version, cfg.spec("cascade"), heads, provenance("cascade")
    )
    if hospital.offers.get("segmentation"):
        spec, topics = cfg.spec("segmentation"), hospital.offers["segmentation"]
        seg_file = stage / FILES["segmentation"]
        out.append(segmentation_entry(seg_file, version, spec, topics, provenance("segmentation")))
    if hospital.offers.get("vqa"):
        out.append(vqa_entry(
            stage / FILES["vqa"], version, cfg.spec("vqa"), list(ANSWERS), list(ANSWER_TYPES),
            question_vocab(), MAX_QUESTION_LEN, hospital.offers["vqa"], provenance("vqa"),
        ))  # fmt: skip
    return out


def write_bundles(
    out: Path,
    stage: Path,
    hospitals: list[HospitalSpec],
    entries: dict[str, list[ModelEntry]],
    version: str,
    created: str,
) -> list[Path]:
    """One bundle per hospital (see :func:`ml.bundle_writer.write_bundle`: swapped in atomically)."""
    sources = {name: stage / name for name in FILES.values()}
    return [
        write_bundle(out / h.id, new_manifest(h.id, h.name, version, created, entries[h.id]), sources)
        for h in hospitals
    ]


def int8_gate(
    bundles: list[Path], stage: Path, data: dict[str, Split], max_drop: float, n_calibration: int, seed: int
) -> list[Int8Decision]:
    """The int8 gate on the written bundles: each staged file quantized and measured once, then the
    per-file decision applied to every bundle holding it (calibration: val split; metrics: test)."""
    from ml.quantize import apply_int8, files_of, gate_file

    groups: dict[str, list[ModelEntry]] = {}
    for b in bundles:
        for file, entries in files_of(read_manifest(b)).items():
            groups.setdefault(file, entries)
    order = list(FILES.values())
    groups = dict(sorted(groups.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
    results = {
        file: (
            gate_file(stage / file, stage / "int8" / file, entries, data["val"], data["test"],
                      max_drop=max_drop, n_calibration=n_calibration, seed=seed),
            stage / "int8" / file,
        )
        for file, entries in groups.items()
    }  # fmt: skip
    for b in bundles:
        apply_int8(b, results)
    return [d for d, _ in results.values()]


CARD_TITLES = {"cascade": "filter + labeler cascade", "segmentation": "brain MRI lesion segmentation (U-Net)",
               "vqa": "medical VQA (MEVF-style)"}  # fmt: skip


def write_cards(
    cards: Path, trained: dict[str, Trained], cfg: TrainConfig, prov: dict[str, str]
) -> list[Path]:
    """``<cards>/<task>.md`` from this build's test-split metrics (the committed docs/model-cards)."""
    cards.mkdir(parents=True, exist_ok=True)
    paths = []
    for task, t in trained.items():
        spec = cfg.spec(task)
        training = (
            f"`python -m ml.build_bundles` ({prov['training_run']}); {cfg.epochs(task)} epochs, input "
            f"{spec.size}x{spec.size} RGB, {t.seconds:.0f} s on one CPU thread; final train loss "
            f"{t.losses[-1]:.4f}."
            if t.losses
            else prov["training_run"]
        )
        text = model_card.render(task, CARD_TITLES[task], prov["data"], t.metrics, t.confusions,
                                 QUALITY_BARS, training)  # fmt: skip
        paths.append(cards / f"{task}.md")
        paths[-1].write_text(text)
    return paths


def build(
    out: Path,
    seed: int = 0,
    quick: bool = False,
    hospitals: list[HospitalSpec] | None = None,
    cards: Path | None = None,
    int8: bool = False,
    int8_max_drop: float = 0.01,
) -> dict:
    """Everything ``python -m ml.build_bundles`` does; returns metrics, timings and paths.

    ``cards``: directory for the generated model cards (none written when None). ``int8``: after
    the fp32 bundles are written, run the int8 gate (:func:`int8_gate`) with ``int8_max_drop``.
    """
    t0 = time.time()
    hospitals = hospitals if hospitals is not None else get_settings().hospitals
    data_cfg = DataConfig().scaled(QUICK_SCALE) if quick else DataConfig()
    cfg = QUICK_TRAIN if quick else TrainConfig()
    cfg = TrainConfig(**{**cfg.__dict__, "seed": seed})
    data = generate(data_cfg, seed)
    t_data = time.time() - t0
    trained = train_all(data, cfg)
    t_train = time.time() - t0 - t_data
    stage = out / ".stage"
    shutil.rmtree(stage, ignore_errors=True)
    exported = export_all(trained, data, cfg, stage)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    version = f"demo-s{seed}-{datetime.now(UTC):%Y%m%d%H%M%S}" + ("-quick" if quick else "")
    parts = partition(data["train"], {h.id: h.offers for h in hospitals}, DEFAULT_LABEL_TOPICS, seed)
    sizes = {s: len(d.images) for s, d in data.items()}
    prov = {
        "training_run": f"ml.build_bundles seed={seed}{' quick' if quick else ''} at {created}",
        "data": f"synthetic offline demo data (ml.demo_data, seed {seed}): {sizes}; trained pooled over the "
        f"non-IID hospital partitions { ({h: len(i) for h, i in parts.items()}) }",
        "created_at": created,
        "notes": "metrics on the held-out test split; sides are the patient's (radiological: image left = "
        "patient right)",
    }
    entries = {h.id: _entries(h, trained, cfg, exported["heads"], stage, prov, version) for h in hospitals}
    paths = write_bundles(out, stage, hospitals, entries, version, created)
    t_int8 = time.time()
    decisions = int8_gate(paths, stage, data, int8_max_drop, 16 if quick else 96, seed) if int8 else []
    t_int8 = time.time() - t_int8
    shutil.rmtree(stage, ignore_errors=True)
    sample_paths = samples.write_samples(out / "samples", seed)
    card_paths = write_cards(cards, trained, cfg, prov) if cards is not None else []
    metrics = {k: v for t in trained.values() for k, v in t.metrics.items()}
    return {
        "metrics": metrics, "parity": exported["parity"], "bundles": paths, "samples": sample_paths,
        "cards": card_paths, "int8": decisions,
        "seconds": {"data": t_data, "train": t_train, **({"int8": t_int8} if int8 else {}),
                    "total": time.time() - t0, **{f"train_{k}": v.seconds for k, v in trained.items()}},
        "losses": {k: (v.losses[0], v.losses[-1]) for k, v in trained.items() if v.losses},
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="bundles directory (default: settings)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="tiny data and 1 epoch: for tests, no quality")
    parser.add_argument(
        "--cards",
        type=Path,
        default=None,
        help=f"model-card directory (default: <out>/model-cards; {DEFAULT_CARDS.relative_to(REPO_ROOT)} "
        "holds the committed snapshot; none with --quick)",
    )
    parser.add_argument(
        "--int8",
        action="store_true",
        help="also quantize each model to static int8 (calibrated on the demo val split) and ship it "
        "where no test metric drops by more than --int8-max-drop",
    )
    parser.add_argument(
        "--int8-max-drop", type=float, default=0.01, help="largest allowed metric drop (default 0.01)"
    )
    args = parser.parse_args(argv)
    out = args.out or get_settings().bundles_dir
    # Cards travel with the bundles they describe; the docs snapshot is refreshed only on request, so
    # `make run` never rewrites tracked files.
    cards = args.cards or (None if args.quick else out / "model-cards")
    report = build(out, args.seed, args.quick, cards=cards, int8=args.int8, int8_max_drop=args.int8_max_drop)
    print(f"bundles written to {out}: {', '.join(p.name for p in report['bundles'])} (+ samples/)")
    print("test-split metrics:")
    failed = []
    for name, value in sorted(report["metrics"].items()):
        if ("_auroc_" in name or "_recall_" in name) and not name.endswith("_mean"):
            continue  # per-class numbers: in the model cards and the provenance
        bar = QUALITY_BARS.get(name)
        ok = bar is None or value >= bar
        failed += [] if ok else [name]
        print(f"  {name:34s} {value:.4f}" + (f"  (bar {bar:.2f}{'' if ok else ' FAILED'})" if bar else ""))
    print(
        "onnx parity (max |torch - ort|): " + ", ".join(f"{k} {v:.1e}" for k, v in report["parity"].items())
    )
    if report["int8"]:
        from ml.quantize import format_decisions

        print(f"int8 gate (ONNX Runtime, test split; kept only if no metric drops > {args.int8_max_drop:g}):")
        print(textwrap.indent(format_decisions(report["int8"]), "  "))
    print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in report["seconds"].items()))
    if failed and not args.quick:
        print(f"quality bars not met: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
