"""Data and tables of ``make eval`` beyond the cascade: demo splits, shifted images, task figures.

The demo splits are regenerated with fixed seeds from the same generators the hospitals train on
(a stream none of them trained on); the baselines' training data is a hospital's own training set,
regenerated deterministically.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ml import eval_metrics as em
from ml.bundle_runner import BundleRunner
from ml.cascade_data import CascadeSet, Mix, demo_test_set, hospital_set
from ml.demo_data import DataConfig, generate
from ml.synth_scans import head_slice
from qaid.config import get_settings

EVAL_SEED = 7777  # the demo VQA/segmentation evaluation stream (no hospital trains on it)


def demo_test(seed: int, scale: float = 1.0) -> tuple[list[np.ndarray], np.ndarray, list[str | None]]:
    from qaid.bundle import LABELS

    s = demo_test_set(seed, Mix().scaled(scale))
    parts = [LABELS[k] if k >= 0 else None for k in s.label]
    return s.images, np.asarray(s.medical), parts


def baseline_train(seed: int, scale: float = 1.0) -> CascadeSet:
    """The baselines learn from the cismigiu hospital's own training set (the largest mix)."""
    h = get_settings().hospital("cismigiu")
    return hospital_set(h.id, h.offers, seed, Mix().scaled(scale))


def shifted_brains(n: int = 120) -> list[np.ndarray]:
    """Lesion-free heads the U-Net never saw: other planes, other contrasts, CT windows."""
    rng = np.random.default_rng(np.random.SeedSequence([EVAL_SEED, 5]))
    return [head_slice(rng, 128)[0] for _ in range(n)]


def _brain_chest(parts: tuple[str, ...], scale: float = 1.0) -> dict:
    n = lambda v: max(2, int(v * scale))  # noqa: E731
    per = lambda p: (n(60), n(30), n(80)) if p in parts else (0, 0, 0)  # noqa: E731
    cfg = DataConfig(per_part=(0, 0, 0), brain=per("brain"), chest=per("chest"), non_medical=(0, 0, 0))
    return generate(cfg, seed=EVAL_SEED)


def _segmentation_rows(
    runner: BundleRunner, real: dict, min_fraction: float, scale: float
) -> dict[str, dict]:
    data = _brain_chest(("brain",), scale)
    val, test = data["val"], data["test"]
    size = runner.entry("segmentation").input.size  # type: ignore[union-attr]
    t = em.threshold_baseline(val.images, [f.mask for f in val.findings], size)
    figs = em.segmentation_dice(runner, test.images, [f.mask for f in test.findings], t)
    normal = [img for img, f in zip(test.images, test.findings, strict=True) if f.count == 0]
    rows = {"demo test: Dice": {"U-Net": figs["dice"], f"threshold {t:.2f}": figs["threshold_baseline_dice"]}}
    real_medical = [a for a, m in zip(real["eval"][0], real["eval"][1], strict=True) if m]
    sets = (
        ("demo test, lesion-free axial T1", normal),
        ("shifted demo (planes/contrasts/CT)", shifted_brains(max(4, int(120 * scale)))),
        ("real eval, all medical", real_medical),
    )
    for name, imgs in sets:
        c = em.lesion_claims(runner, imgs, min_fraction)
        rows[f"{name}: lesion claims"] = {
            "U-Net alone": c["ungated_claim_rate"],
            "HIP (gated)": c["claim_rate"],
            "gate passes": c["gate_pass_rate"],
            "n": c["n"],
        }
    return rows


def _vqa_rows(runner: BundleRunner, real: dict, scale: float) -> dict[str, dict]:
    entry = runner.entry("vqa")
    assert entry is not None
    parts = tuple(p for p, t in (("brain", "brain_mri"), ("chest", "chest_xray")) if t in entry.topics)
    data = _brain_chest(parts, scale)
    from ml.vqa_data import demo_vqa

    vqa = demo_vqa(data)
    prior = em.question_only([(q, a) for _, q, a, _ in vqa.splits["train"].qa])
    figs = em.vqa_figures(runner, vqa.splits["test"].images, vqa.splits["test"].qa, prior)
    claims = em.anomaly_claims(
        runner, [a for a, m in zip(real["eval"][0], real["eval"][1], strict=True) if m]
    )
    return {
        "demo test: closed accuracy": {
            "model": figs["closed_accuracy"],
            "question-only": figs["question_only_closed"],
        },
        "demo test: open accuracy": {
            "model": figs["open_accuracy"],
            "question-only": figs["question_only_open"],
        },
        "real eval: anomaly check ran / abnormal claimed": {
            "model": f"{claims['ran']:.0f} / {claims['claims']:.0f}",
            "question-only": f"n={claims['n']:.0f}",
        },
    }


def task_tables(
    runners: dict[str, BundleRunner],
    real: dict,
    min_fraction: float,
    table: Callable[[str, dict], str],
    scale: float = 1.0,
) -> dict:
    out: dict = {}
    for h, r in runners.items():
        if r.entry("segmentation") is not None:
            rows = _segmentation_rows(r, real, min_fraction, scale)
            out[f"segmentation {h}"] = rows
            table(f"Segmentation, {h} (the anomaly check; lesion claims = share of images)", rows)
        if r.entry("vqa") is not None:
            rows = _vqa_rows(r, real, scale)
            out[f"vqa {h}"] = rows
            table(f"VQA, {h} ({', '.join(r.entry('vqa').topics)})", rows)  # type: ignore[union-attr]
    return out
