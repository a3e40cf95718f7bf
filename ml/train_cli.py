"""Train one model on a hospital's own folder (or the demo data): ``python -m ml.train_cli``.

    python -m ml.train_cli --task cascade --data ./images --out runs/cascade --onnx
    python -m ml.train_cli --task segmentation --data ./kaggle_3m --out runs/seg --bundle-base bundles/x
    python -m ml.train_cli --task vqa --data ./VQA_RAD --out runs/vqa
    python -m ml.train_cli --task vqa --demo --out runs/demo-vqa

Runs the same :class:`ml.train.Fitter` as the bundle build, but validates every epoch: the best
epoch (the mean of every head's validation figure, :mod:`ml.train_gate`) is kept as
``checkpoints/best.pt``, ``last.pt`` holds the full training state (``--resume`` continues it
exactly), ``--patience`` stops early. The best model is then scored once on the test split;
metrics.json, history.json, PNG plots and MODEL_CARD.md are written to ``--out``, optionally the
ONNX file (checked against torch) and a bundle, named for the hospital (``--hip-id``, ``--hip-name``,
``--bundle-version``). A head that does not beat its trivial baseline on validation is named
in a warning and no bundle is written (exit status 3) unless ``--allow-below-baseline`` is given,
which the manifest records. The cascade is the demo bundles' CascadeNet, calibrated on the hospital's
own validation split (temperatures, ECE, abstain thresholds, OOD ceiling: :mod:`ml.hospital_cascade`),
so its bundle abstains like theirs.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from ml import hospital_cascade as hc
from ml import model_card
from ml.bundle_writer import (
    FILES,
    cascade_net_entries,
    replace_in_bundle,
    segmentation_entry,
    trained_on_topics,
    vqa_entry,
)
from ml.cascade_data import OOD_GROUPS
from ml.cascade_train import CascadeConfig
from ml.export import export_and_check
from ml.int8_gate import gate_cli_file
from ml.train import Evaluation, Fitter, Job, TrainConfig
from ml.train_data import Data, load, make_job, parity_feeds, split_size, summary
from ml.train_defaults import MIN_STEPS, PATIENCE, schedule
from ml.train_gate import HEAD_METRICS, baselines, check_baselines, selection_score
from ml.vqa_data import VQAData
from qaid.bundle import InputSpec, Provenance
from qaid_contracts.hip import DataProvenance

FORMATS = {"cascade": "imagefolder", "segmentation": "lgg", "vqa": "vqa-rad"}
DEFAULT_TOPICS = {"segmentation": ["brain_mri"], "vqa": ["brain_mri", "chest_xray"]}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--task", required=True, choices=sorted(FORMATS))
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--data", type=Path, help="hospital data: ImageFolder (cascade), LGG (segmentation), VQA-RAD"
    )
    src.add_argument("--demo", action="store_true", help="the generated demo data instead")
    p.add_argument("--out", type=Path, required=True, help="run directory (checkpoints, metrics, card)")
    p.add_argument("--epochs", type=int, default=None,
                   help=f"default: enough for {MIN_STEPS} optimiser steps (ml.train_defaults)")  # fmt: skip
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--patience", type=int, default=None,
                   help=f"stop after N epochs without val gain (0: never; default {PATIENCE} with the "
                        "default epochs, else 0)")  # fmt: skip
    p.add_argument("--size", type=int, default=None,
                   help="input side in px (cascade default 128; segmentation: a multiple of 16)")  # fmt: skip
    p.add_argument("--val", type=float, default=0.15, help="val share (groups: patients, images)")
    p.add_argument("--test", type=float, default=0.15, help="test share (VQA-RAD: its official test set)")
    p.add_argument("--class-map", action="append", default=[], metavar="FOLDER=LABEL")
    p.add_argument("--images", type=Path, default=None, help="VQA-RAD image folder (default: found)")
    p.add_argument("--demo-scale", type=float, default=1.0, help="demo data size factor")
    p.add_argument(
        "--width", type=int, default=None, help="cascade stem / U-Net init features / VQA CNN width"
    )
    p.add_argument("--generated-negatives", type=int, default=400, metavar="N",
                   help="cascade: N generated non-medical images (photos, documents, charts, screens) join "
                        "the training split; val/test stay yours (0: none)")  # fmt: skip
    p.add_argument("--resume", action="store_true", help="continue from checkpoints/last.pt")
    p.add_argument("--stop-after", type=int, default=0, help="stop after N epochs in this invocation")
    p.add_argument("--onnx", action="store_true", help="export <task>.onnx (checked against torch)")
    p.add_argument("--bundle-out", type=Path, default=None, help="write a bundle with this model here")
    p.add_argument("--bundle-base", type=Path, default=None, help="bundle whose other models are kept")
    p.add_argument("--topics", nargs="*", default=None, help="topics the bundle offers for this model")
    p.add_argument("--hip-id", default=None,
                   help="your hospital id, as registered with the hub (required for a new bundle; "
                        "default with --bundle-base: the base's)")  # fmt: skip
    p.add_argument("--hip-name", default=None, help="your hospital's display name (default: --hip-id)")
    p.add_argument("--bundle-version", default=None, help="bundle version (default: local-<task>-<time>)")
    p.add_argument(
        "--allow-below-baseline",
        action="store_true",
        help="write the bundle even if a head does not beat its trivial baseline (recorded in the manifest)",
    )
    p.add_argument(
        "--int8",
        action="store_true",
        help="with --bundle-out (cascade, segmentation): ship static int8 if no test metric drops by more "
        "than --int8-max-drop (calibration: the val split)",
    )
    p.add_argument("--int8-max-drop", type=float, default=0.01, help="largest allowed metric drop")
    p.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch threads (0: torch's default; 1 is fastest for small images on a shared machine)",
    )
    p.add_argument("--no-progress", action="store_true")
    return p.parse_args(argv)


Config = TrainConfig | CascadeConfig


def config(args: argparse.Namespace) -> Config:
    """The cascade's :class:`CascadeConfig` (the demo bundles' model), else a :class:`TrainConfig`."""
    t = args.task
    given = {"lr": args.lr, "batch": args.batch_size}
    if t == "cascade":
        given.update(size=args.size, width=args.width)
        return replace(CascadeConfig(seed=args.seed), **{k: v for k, v in given.items() if v is not None})
    given.update({"seg_size" if t == "segmentation" else "vqa_size": args.size,
                  "seg_features" if t == "segmentation" else "vqa_width": args.width})  # fmt: skip
    return replace(TrainConfig(seed=args.seed), **{k: v for k, v in given.items() if v is not None})


def spec_of(task: str, cfg: Config) -> InputSpec:
    return cfg.spec if isinstance(cfg, CascadeConfig) else cfg.spec(task)


def _save(obj: dict, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    tmp.replace(path)  # a crash mid-write never leaves a broken checkpoint


def train(args: argparse.Namespace, cfg: Config, data: Data, job: Job) -> tuple[list[dict], int, bool]:
    """Epochs with validation, checkpoints, early stopping.

    Returns the history, the best epoch (its weights loaded into ``job.model``) and whether the run
    was paused by ``--stop-after`` (then it is unfinished and ``--resume`` continues it).
    """
    epochs = default_schedule(args, cfg, job)
    val_split = "val" if split_size(data, "val") else "train"
    fitter = Fitter(job, epochs, cfg.seed)
    ckpt = args.out / "checkpoints"
    ckpt.mkdir(parents=True, exist_ok=True)
    history: list[dict] = []
    best, best_epoch, stale = -np.inf, 0, 0
    if args.resume and (ckpt / "last.pt").is_file():
        state = torch.load(ckpt / "last.pt", weights_only=False)
        if state["task"] != args.task or state["epochs"] != epochs:
            raise SystemExit(f"{ckpt / 'last.pt'} is a {state['task']} run of {state['epochs']} epochs "
                             f"(continue it with --epochs {state['epochs']})")  # fmt: skip
        fitter.load_state_dict(state["fitter"])
        history, best, best_epoch, stale = (
            state["history"],
            state["best"],
            state["best_epoch"],
            state["stale"],
        )
    ran, paused = 0, False
    while fitter.epoch < epochs and not (args.patience and stale >= args.patience):
        if args.stop_after and ran >= args.stop_after:
            paused = True
            break
        bar = None if args.no_progress else (lambda it: tqdm(it, desc=f"epoch {fitter.epoch + 1}/{epochs}"))
        losses = fitter.run_epoch(bar)
        ran += 1
        metrics = job.evaluate(val_split).metrics
        history.append(
            {
                "epoch": fitter.epoch,
                "train_loss": float(np.mean(losses)) if losses else float("nan"),
                **metrics,
            }
        )
        # Every head counts; a tie goes to the later epoch. Early stopping waits for a strict gain.
        score = selection_score(args.task, metrics)
        stale = 0 if score > best else stale + 1
        if score >= best:
            best, best_epoch = score, fitter.epoch
            _save({"model": job.model.state_dict(), "epoch": fitter.epoch, "score": score}, ckpt / "best.pt")
        _save(
            {
                "task": args.task,
                "epochs": epochs,
                "fitter": fitter.state_dict(),
                "history": history,
                "best": best,
                "best_epoch": best_epoch,
                "stale": stale,
                "config": cfg.__dict__,
            },
            ckpt / "last.pt",
        )
        heads = ", ".join(f"{m} {metrics[m]:.4f}" for m in HEAD_METRICS[args.task].values())
        print(f"epoch {fitter.epoch}: loss {history[-1]['train_loss']:.4f}, val {heads}")
    job.model.load_state_dict(torch.load(ckpt / "best.pt", weights_only=True)["model"])
    job.model.eval()
    return history, best_epoch, paused


def export(
    args: argparse.Namespace, cfg: Config, data: Data, job: Job, metrics: dict, source: str,
    warnings: list[str] | None = None, cascade: tuple[dict, dict] | None = None,
) -> dict:  # fmt: skip
    """ONNX (+ parity) and, with --bundle-out, a bundle holding it (other models from --bundle-base).

    ``cascade``: (calibration by head, untrained heads) of a cascade run."""
    task, path = args.task, args.out / FILES[args.task]
    max_len = data.max_len if isinstance(data, VQAData) else 0
    heads, diff = export_and_check(
        task, job.model, path, parity_feeds(data, spec_of(task, cfg), "train"), max_len
    )
    out = {"onnx": str(path), "parity": diff}
    if args.bundle_out:
        created = datetime.now(UTC).isoformat(timespec="seconds")
        version = args.bundle_version or f"local-{task}-{datetime.now(UTC):%Y%m%d%H%M%S}"
        notes = "metrics on the held-out test split"
        if warnings:  # only reached with --allow-below-baseline
            notes += "; WRITTEN BELOW BASELINE (--allow-below-baseline): " + "; ".join(warnings)
        prov = Provenance(
            training_run=f"ml.train_cli --task {task} seed={cfg.seed}",
            data=source,
            metrics=metrics,
            created_at=created,
            notes=notes,
        )
        spec, topics = spec_of(task, cfg), args.topics or DEFAULT_TOPICS.get(task, [])
        calibration, untrained = cascade or ({}, {})
        if task == "cascade":
            entries = cascade_net_entries(path, version, spec, heads, prov, calibration, list(OOD_GROUPS))
        elif task == "segmentation":  # LGG and the demo's brain slices are axial
            entries = [
                segmentation_entry(path, version, spec, topics, prov, trained_on_topics(topics, ("axial",)))
            ]
        else:
            assert isinstance(data, VQAData)
            d, on = data, trained_on_topics(topics)
            entries = [vqa_entry(path, version, spec, d.answers, d.answer_types, d.vocab, d.max_len, topics,
                                 prov, on, question_types=d.question_types)]  # fmt: skip
        provenance: DataProvenance = "generated_demo" if args.demo else "real"
        bundle = replace_in_bundle(
            args.bundle_base, args.bundle_out, task, entries, path, version, created, provenance,
            hip_id=args.hip_id, hip_name=args.hip_name, untrained_heads=untrained,
        )  # fmt: skip
        out["bundle"] = str(bundle)
        if args.int8:
            assert isinstance(data, dict)  # VQA-RAD data is refused in run()
            out["int8"] = gate_cli_file(bundle, data, path.name, args.demo, args.int8_max_drop, args.seed)
    return out


def run(argv: list[str] | None = None) -> dict:
    """The whole CLI; returns what it wrote (for tests and scripting)."""
    args = parse_args(argv)
    if args.bundle_out and args.task != "cascade" and args.bundle_base is None:
        raise SystemExit(
            "--bundle-out for a segmentation/VQA model needs --bundle-base (a bundle with the cascade)"
        )
    if args.int8 and (args.bundle_out is None or args.task == "vqa"):
        raise SystemExit("--int8 needs --bundle-out and a cascade or segmentation model")
    if args.bundle_out and args.bundle_base is None and not args.hip_id:
        raise SystemExit("--bundle-out without --bundle-base needs --hip-id: your hospital id, as registered "
                         "with the hub (it checks the bundle's hip_id when you join)")  # fmt: skip
    cfg = config(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(cfg.seed)
    try:
        data = load(args)
        if args.task == "cascade":
            hc.check_folder(data)  # type: ignore[arg-type]
    except ValueError as exc:  # the loaders say what is wrong with the folder and how to fix it
        raise SystemExit(f"error: {exc}") from None
    source = "generated demo data (ml.demo_data)" if args.demo else f"hospital data from {args.data}"
    negatives = (
        0 if args.demo or args.task != "cascade" else args.generated_negatives
    )  # demo data has its own
    source += f" + {negatives} generated non-medical training images" if negatives else ""
    args.out.mkdir(parents=True, exist_ok=True)
    cascade = hc.hospital_run(data, cfg, negatives) if isinstance(cfg, CascadeConfig) else None  # type: ignore[arg-type]
    job = cascade.job if cascade else make_job(args.task, data, cfg)  # type: ignore[arg-type]
    history, best_epoch, paused = train(args, cfg, data, job)
    report: dict = {"history": history, "best_epoch": best_epoch, "finished": not paused}
    if paused:
        print(f"paused after epoch {history[-1]['epoch']}: continue with --resume")
        return report
    warnings, report["baselines"] = gate(args, cfg, data, history, best_epoch)
    report["below_baseline"] = warnings
    test_split = "test" if split_size(data, "test") else "val"
    ev = job.evaluate(test_split)
    calibrated: tuple[dict, dict] | None = None
    card_extra = ""
    if cascade:  # after the best epoch: OOD statistics (train), calibration (val), figures (test)
        calibration, val_figures = hc.calibrate_run(cascade)
        figures = hc.test_figures(cascade, calibration, test_split)
        ev.metrics.update({**val_figures, **figures})
        calibrated = (calibration, cascade.untrained)
        card_extra = hc.card_section(calibration, figures, cascade.untrained)
        report["calibration"] = {h: c.model_dump() for h, c in calibration.items()}
    report["metrics"] = ev.metrics
    write_run_files(args, argv, cfg, data, source, job, ev, history, best_epoch, report, card_extra)
    refused = args.bundle_out if warnings and args.bundle_out and not args.allow_below_baseline else None
    if refused:
        args.bundle_out, report["bundle_refused"] = None, warnings
    if args.onnx or args.bundle_out:
        data_text = summary(args.task, data, source)
        report.update(export(args, cfg, data, job, ev.metrics, data_text, warnings, calibrated))
    print(json.dumps({k: round(v, 4) for k, v in ev.metrics.items() if "_auroc_" not in k}, indent=1))
    print(outcome(args, history, best_epoch, test_split), flush=True)
    if refused:  # last, so it is what the terminal shows when the run ends (exit status 3)
        print(f"no bundle written to {refused}: a model that does not beat a trivial baseline is not shipped "
              f"({'; '.join(warnings)}). Train longer or on more data; --resume --allow-below-baseline ships "
              "this run anyway, recorded in the manifest", file=sys.stderr, flush=True)  # fmt: skip
    return report


def write_run_files(
    args: argparse.Namespace, argv: list[str] | None, cfg: Config, data: Data, source: str, job: Job,
    ev: Evaluation, history: list[dict], best_epoch: int, report: dict, card_extra: str,
) -> None:  # fmt: skip
    """metrics.json, history.json, the plots and MODEL_CARD.md of a finished run."""
    test_split = "test" if split_size(data, "test") else "val"
    extra = {"calibration": report["calibration"]} if "calibration" in report else {}
    (args.out / "metrics.json").write_text(
        json.dumps({"split": test_split, "best_epoch": best_epoch, **ev.metrics, **extra}, indent=2)
    )
    (args.out / "history.json").write_text(json.dumps(history, indent=2))
    model_card.plot_curves(history, args.out / "curves.png", job.primary)
    for name, (labels, cm) in ev.confusions.items():
        model_card.plot_confusion(labels, cm, args.out / f"confusion_{name}.png", f"{name} ({test_split})")
    warnings = report["below_baseline"]
    training = (
        f"`python -m ml.train_cli {' '.join(argv or sys.argv[1:])}`; best epoch {best_epoch} of "
        f"{len(history)} run (selected on the mean of val {', '.join(HEAD_METRICS[args.task].values())}); "
        f"input {spec_of(args.task, cfg).size} px. Trivial baselines on val: "
        + "; ".join(f"{m} {b['value']:.4f} ({b['what']})" for m, b in report["baselines"].items())
        + "."
        + (f" BELOW BASELINE: {'; '.join(warnings)}." if warnings else "")
    )
    card = model_card.render(args.task, f"{args.task} ({source})", summary(args.task, data, source),
                             ev.metrics, ev.confusions, training=training)  # fmt: skip
    (args.out / "MODEL_CARD.md").write_text(card + ("\n" + card_extra if card_extra else ""))


def outcome(args: argparse.Namespace, history: list[dict], best_epoch: int, split: str) -> str:
    """What the run did, in one line under the figures: how it ended and where things are."""
    ran = len(history)
    ended = f" (stopped early: no validation gain for {args.patience} epochs)" if ran < args.epochs else ""
    bundle = f"; bundle written to {args.bundle_out}" if args.bundle_out else ""
    return f"{ran} of {args.epochs} epochs run{ended}; best epoch {best_epoch}; {split} figures above; " \
           f"run files in {args.out}{bundle}"  # fmt: skip


def default_schedule(args: argparse.Namespace, cfg: Config, job: Job) -> int:
    """Epochs (and patience) for this job when not given (ml.train_defaults), said on the terminal:
    counted in the job's own steps (its items and batch: VQA steps over images, segmentation uses
    half batches)."""
    task_epochs = cfg.epochs if isinstance(cfg, CascadeConfig) else cfg.epochs(args.task)
    plan = schedule(job.n, job.batch, task_epochs, args.epochs, args.patience)
    args.epochs, args.patience = plan.epochs, plan.patience
    print(f"training: {plan.why}", flush=True)
    return plan.epochs


def gate(
    args: argparse.Namespace, cfg: Config, data: Data, history: list[dict], best_epoch: int
) -> tuple[list[str], dict[str, dict]]:
    """The best epoch's validation figures against each head's trivial baseline (ml.train_gate)."""
    val_split = "val" if split_size(data, "val") else "train"
    best = next(h for h in history if h["epoch"] == best_epoch)
    tc = cfg if isinstance(cfg, TrainConfig) else TrainConfig()  # the cascade's baselines need no config
    return check_baselines(args.task, best, baselines(args.task, data, val_split, tc))


def main(argv: list[str] | None = None) -> int:
    report = run(argv)
    return 3 if report.get("bundle_refused") else 0


if __name__ == "__main__":
    raise SystemExit(main())
