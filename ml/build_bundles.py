"""One command from nothing to a model bundle per demo hospital: ``python -m ml.build_bundles``.

Every demo hospital trains its OWN models on its OWN data (as in the original design: a hospital's
models come from its data), so no two bundles share a model file and "3 of 3 hospitals agree"
counts three opinions: its cascade (:mod:`ml.cascade_data`: its own generated stream and mix plus
the public real ``train`` scans, read through one frozen ImageNet backbone that all three share and
name in their manifests, :mod:`ml.pretrained_cascade`), and the VQA / segmentation models it
offers, on its own brain/chest images. The jobs run on two forked single-threaded workers, longest first.

After training, each cascade gets OOD statistics from its training features and its temperatures
and abstain thresholds from the shared validation pool; segmentation and VQA entries say what kind
of image they were trained on (``TrainedOn``), so the HIP runs them on nothing else. Bundles say
``data_provenance: generated_demo``. ``--int8`` adds the int8 gate (:mod:`ml.int8_gate`).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import multiprocessing
import shutil
import sys
import textwrap
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch

from ml import samples
from ml.backbone import BACKBONE_ID
from ml.bundle_writer import (
    FILES,
    cascade_net_entries,
    new_manifest,
    segmentation_entry,
    vqa_entry,
    write_bundle,
)
from ml.cascade_data import OOD_GROUPS, CascadeSet, Mix, hospital_set, validation_pool
from ml.demo_data import ANSWER_TYPES, ANSWERS, MAX_QUESTION_LEN, DataConfig, Split, generate, question_vocab
from ml.export import export_and_check
from ml.pretrained_cascade import PretrainedCascadeNet, PretrainedConfig, train_pretrained_cascade
from ml.synth_everyday import _chart_pool
from ml.synth_scans import _head
from ml.train import TrainConfig, images_to_tensor, train_segmentation, train_vqa
from ml.vqa_data import demo_question_types
from qaid.bundle import ModelEntry, Provenance, TrainedOn
from qaid.config import HospitalSpec, get_settings


@dataclass(frozen=True)
class Schedule:
    """How much each job trains: the full build, or the quick one the tests use."""

    mix: float  # scale of the cascade's training mix (its heads need no epochs: ml.pretrained_cascade)
    vqa_epochs: int
    seg_epochs: int
    vqa_n: int  # brain/chest training images per topic for VQA and segmentation


QUICK = Schedule(mix=0.04, vqa_epochs=1, seg_epochs=1, vqa_n=12)
FULL = Schedule(mix=1.0, vqa_epochs=16, seg_epochs=6, vqa_n=320)
SEG_ON = TrainedOn(
    labels=["brain"],
    modalities=["mri"],
    orientations=["axial"],
    description="axial brain MRI slices (T1-weighted)",
)
VQA_ON = {
    "brain_mri": ("brain", "mri", "axial", "brain_mri_demo", "axial brain MRI slices"),
    "chest_xray": ("chest", "xray", "none", "chest_xray_demo", "frontal chest X-rays"),
}

_SHARED: dict[str, object] = {}  # the validation pool, handed to forked workers without pickling


@dataclass(frozen=True)
class Job:
    kind: str  # cascade | vqa | segmentation
    hospital: HospitalSpec
    seed: int
    quick: bool


def _demo_data(job: Job, parts: tuple[str, ...]) -> dict[str, Split]:
    """The hospital's own brain/chest images (its own seed) for VQA and segmentation."""
    n = (QUICK if job.quick else FULL).vqa_n
    per = lambda p: (n, max(2, n // 8), max(2, n // 4)) if p in parts else (0, 0, 0)  # noqa: E731
    cfg = DataConfig(per_part=(0, 0, 0), brain=per("brain"), chest=per("chest"), non_medical=(0, 0, 0))
    return generate(cfg, seed=zlib.crc32(f"{job.seed}:{job.hospital.id}".encode()))


def _run_job(job: Job) -> tuple[Job, dict]:
    torch.set_num_threads(1)
    k = QUICK if job.quick else FULL
    if job.kind == "cascade":
        mix = Mix().scaled(k.mix)
        data: CascadeSet = hospital_set(job.hospital.id, job.hospital.offers, job.seed, mix)
        cascade_cfg = PretrainedConfig()
        c = train_pretrained_cascade(data, _SHARED["val"], cascade_cfg)  # type: ignore[arg-type]
        return job, {
            "state": c.model.state_dict(),
            "calibration": c.calibration,
            "ceilings": c.domain_ceilings,
            "metrics": c.metrics,
            "losses": c.losses,
            "seconds": c.seconds,
            "cfg": cascade_cfg,
            "components": c.model.project.out_channels,  # type: ignore[union-attr]
        }
    topics = job.hospital.offers.get(job.kind, [])
    parts = tuple(VQA_ON[t][0] for t in topics if t in VQA_ON)
    data_split = _demo_data(job, parts)
    # a one-topic hospital has half the VQA images: twice the epochs gives it the same number of steps
    vqa_epochs = k.vqa_epochs * (2 if len(parts) == 1 and not job.quick else 1)
    cfg = TrainConfig(vqa_epochs=vqa_epochs, seg_epochs=k.seg_epochs, seed=job.seed)
    r = (train_vqa if job.kind == "vqa" else train_segmentation)(data_split, cfg)
    probe = data_split["test"].images[:4]
    return job, {
        "state": r.model.state_dict(),
        "metrics": r.metrics,
        "losses": r.losses,
        "seconds": r.seconds,
        "cfg": cfg,
        "probe": probe,
        "question_types": demo_question_types(data_split["train"]) if job.kind == "vqa" else [],
    }


def plan(hospitals: list[HospitalSpec], seed: int, quick: bool) -> list[Job]:
    """Every hospital's jobs, longest first so the two workers finish together: VQA (16-32 epochs),
    then the cascades (features once, no epochs), then the U-Net."""
    jobs = [Job("vqa", h, seed, quick) for h in hospitals if h.offers.get("vqa")]
    jobs += [Job("cascade", h, seed, quick) for h in hospitals]
    jobs += [Job("segmentation", h, seed, quick) for h in hospitals if h.offers.get("segmentation")]
    return jobs


def run_jobs(jobs: list[Job], val: CascadeSet, workers: int = 2) -> dict[tuple[str, str], dict]:
    _SHARED["val"] = val
    ctx = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        done = [f.result() for f in [pool.submit(_run_job, j) for j in jobs]]
    _SHARED.clear()
    return {(j.kind, j.hospital.id): r for j, r in done}


def _trained_on_vqa(topics: list[str], ceilings: dict[str, float]) -> TrainedOn:
    kinds = [VQA_ON[t] for t in topics if t in VQA_ON]
    return TrainedOn(
        labels=sorted({k[0] for k in kinds}),
        modalities=sorted({k[1] for k in kinds}),
        orientations=sorted({k[2] for k in kinds}),
        max_ood={k[3]: ceilings[k[3]] for k in kinds},
        description=" and ".join(k[4] for k in kinds),
    )


def export_hospital(
    h: HospitalSpec, results: dict, stage: Path, prov: dict[str, str], version: str, probe: list[np.ndarray]
) -> list[ModelEntry]:
    """Export this hospital's models into ``stage`` and return its manifest entries."""
    from ml.models import UNet, VQANet

    stage.mkdir(parents=True, exist_ok=True)
    c = results[("cascade", h.id)]
    net = PretrainedCascadeNet(c["components"])
    net.load_state_dict(c["state"])
    feeds = {"image": images_to_tensor(probe, c["cfg"].spec).numpy()}
    heads, _ = export_and_check("cascade", net.eval(), stage / FILES["cascade"], feeds)
    provenance = lambda r: Provenance(metrics=r["metrics"], **prov)  # noqa: E731
    entries: list[ModelEntry] = cascade_net_entries(
        stage / FILES["cascade"],
        version,
        c["cfg"].spec,
        heads,
        provenance(c),
        c["calibration"],
        list(OOD_GROUPS),
        BACKBONE_ID,
    )
    if ("segmentation", h.id) in results:
        s = results[("segmentation", h.id)]
        spec = s["cfg"].spec("segmentation")
        unet = UNet(3, 1, s["cfg"].seg_features)
        unet.load_state_dict(s["state"])
        export_and_check(
            "segmentation",
            unet.eval(),
            stage / FILES["segmentation"],
            {"image": images_to_tensor(s["probe"], spec).numpy()},
        )
        on = SEG_ON.model_copy(update={"max_ood": {"brain_mri_demo": c["ceilings"]["brain_mri_demo"]}})
        entries.append(
            segmentation_entry(
                stage / FILES["segmentation"], version, spec, h.offers["segmentation"], provenance(s), on
            )
        )
    if ("vqa", h.id) in results:
        v = results[("vqa", h.id)]
        spec = v["cfg"].spec("vqa")
        vqa = VQANet(len(question_vocab()), len(ANSWERS), v["cfg"].vqa_width)
        vqa.load_state_dict(v["state"])
        img = images_to_tensor(v["probe"], spec).numpy()
        from ml.demo_data import encode_questions

        q = encode_questions(
            ["is this image abnormal?", "which side is the lesion on?"] * 2, question_vocab()
        )
        export_and_check(
            "vqa",
            vqa.eval(),
            stage / FILES["vqa"],
            {"image": img, "question": q[: len(img)]},
            MAX_QUESTION_LEN,
        )
        entries.append(
            vqa_entry(
                stage / FILES["vqa"],
                version,
                spec,
                list(ANSWERS),
                list(ANSWER_TYPES),
                question_vocab(),
                MAX_QUESTION_LEN,
                h.offers["vqa"],
                provenance(v),
                _trained_on_vqa(h.offers["vqa"], c["ceilings"]),
                v["question_types"],
            )
        )
    return entries


def _admitted_by_all(bundles: list[Path]) -> samples.Admitted:
    """(image, topic) -> would every bundle's segmentation and VQA models for ``topic`` run on it (the
    HIP's domain gate, :meth:`ml.bundle_runner.BundleRunner.gate`)? For choosing the demo samples."""
    from ml.bundle_runner import BundleRunner

    runners = [BundleRunner.open(b) for b in bundles]

    def admitted(img: np.ndarray, topic: str) -> bool:
        for r in runners:
            tasks = ("segmentation", "vqa")
            entries = [e for e in r.manifest.models if e.task in tasks and topic in e.topics]
            if entries:
                reading = r.cascade([img])[0]
                # 2 % inside the ceilings: another CPU's float rounding must not flip the sample out
                far = {g: d * 1.02 for g, d in reading.ood_by_group.items()}
                reading = dataclasses.replace(reading, ood_by_group=far)
                if any(r.gate(reading, e) is not None for e in entries):
                    return False
        return True

    return admitted


def build(
    out: Path,
    seed: int = 0,
    quick: bool = False,
    hospitals: list[HospitalSpec] | None = None,
    workers: int = 2,
) -> dict:
    """Everything ``python -m ml.build_bundles`` does; returns metrics, timings and paths."""
    t0 = time.time()
    hospitals = hospitals if hospitals is not None else get_settings().hospitals
    _head(), _chart_pool()  # rendered once here, inherited by the forked workers
    val = validation_pool(seed, Mix().scaled(QUICK.mix * 3 if quick else 1.0))
    probe = val.images[:: max(1, len(val) // 6)][:6]  # real inputs for the ONNX parity check
    t_val = time.time() - t0
    results = run_jobs(plan(hospitals, seed, quick), val, workers)
    t_train = time.time() - t0 - t_val
    created = datetime.now(UTC).isoformat(timespec="seconds")
    version = f"demo-s{seed}-{datetime.now(UTC):%Y%m%d%H%M%S}" + ("-quick" if quick else "")
    prov_base = {
        "training_run": f"ml.build_bundles seed={seed}{' quick' if quick else ''} at {created}",
        "created_at": created,
        "notes": "generated demo data; thresholds chosen on the validation pool; sides are the patient's "
        "(radiological: image left = patient right)",
    }
    paths = []
    for h in hospitals:
        prov = {
            **prov_base,
            "data": f"{h.name}'s own generated demo data (ml.cascade_data / ml.demo_data, seed "
            f"{seed}, stream {h.id}) + public real train scans (ml.real_sources)",
        }
        stage = out / ".stage" / h.id
        shutil.rmtree(stage, ignore_errors=True)
        entries = export_hospital(h, results, stage, prov, version, probe)
        manifest = new_manifest(h.id, h.name, version, created, entries, "generated_demo")
        paths.append(write_bundle(out / h.id, manifest, {p.name: p for p in stage.iterdir()}))
    shutil.rmtree(out / ".stage", ignore_errors=True)
    # a quick build's models are untrained: their gates say nothing about which sample is typical
    admitted = samples.admit_all if quick else _admitted_by_all(paths)
    sample_paths = samples.write_samples(out / "samples", seed, admitted)
    return {
        "bundles": paths,
        "samples": sample_paths,
        "metrics": {f"{k}:{h}": r["metrics"] for (k, h), r in results.items()},
        "seconds": {
            "validation_pool": t_val,
            "train": t_train,
            "total": time.time() - t0,
            **{f"{k}:{h}": r["seconds"] for (k, h), r in results.items()},
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="bundles directory (default: settings)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="tiny data and 1 epoch: for tests, no quality")
    parser.add_argument("--workers", type=int, default=2, help="training processes (default 2)")
    parser.add_argument("--int8", action="store_true", help="run the int8 gate (ml.int8_gate) on each bundle")
    parser.add_argument("--int8-max-drop", type=float, default=0.01, help="largest allowed metric drop")
    args = parser.parse_args(argv)
    out = args.out or get_settings().bundles_dir
    report = build(out, args.seed, args.quick, workers=args.workers)
    t_int8 = time.time()
    decisions = []
    if args.int8:
        from ml.int8_gate import int8_gate_bundle

        data = generate(DataConfig().scaled(0.08 if args.quick else 0.3), seed=args.seed)
        for b in report["bundles"]:
            n = 16 if args.quick else 96
            decisions += int8_gate_bundle(
                b, data["val"], data["test"], max_drop=args.int8_max_drop, n_calibration=n
            )
        report["seconds"]["int8"] = time.time() - t_int8
    print(f"bundles written to {out}: {', '.join(p.name for p in report['bundles'])} (+ samples/)")
    for job, metrics in sorted(report["metrics"].items()):
        shown = {k: round(v, 4) for k, v in metrics.items() if "_auroc_" not in k and "_recall_" not in k}
        print(f"  {job:24s} {shown}")
    if decisions:
        from ml.int8_gate import format_decisions

        print(f"int8 gate (ONNX Runtime, test split; kept only if no metric drops > {args.int8_max_drop:g}):")
        print(textwrap.indent(format_decisions(decisions), "  "))
    print("seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in report["seconds"].items()))
    print("real-image evaluation with baselines: make eval (python -m ml.real_eval)")
    return 0 if report["bundles"] else 1


if __name__ == "__main__":
    sys.exit(main())
