"""The cascade ``ml.train_cli --task cascade`` trains: the demo bundles' model, on a hospital's own folder.

One model family: the same :class:`~ml.models.CascadeNet`, loss, OOD statistics, calibration and
export as ``ml.build_bundles`` (:mod:`ml.cascade_train`), so a hospital's bundle abstains exactly
like a demo bundle. What differs is the data and where each fitted number comes from:

* **train split** — the weights, and the OOD Gaussians (one per class folder, :func:`fit_ood`);
* **validation split** — the best epoch (filter and labeler macro-F1), each head's temperature, its
  ECE before/after and its abstain threshold (at most ``MAX_RISK`` wrong among the answers kept), and
  the labeler's OOD ceiling (99th percentile of the validation images' distances);
* **test split** — reported once, with the HIP's own reading rule (:func:`qaid.bundle.read_cascade`).

Heads without labels are not trained and not shipped: an ImageFolder says medical or not and the body
part, never the modality or the plane, so the bundle has no modality/orientation entries and says so
(``Manifest.untrained_heads``); the HIP then refuses the models that need that check (segmentation,
VQA, the anomaly check: :func:`qaid.bundle.domain_check`) instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ml.calibrate import ece, nll, ood_ceiling
from ml.cascade_data import OOD_GROUPS, STORE_SIZE, CascadeSet
from ml.cascade_train import MAX_RISK, CascadeConfig, calibrate_head, cascade_job, fit_ood, outputs, targets
from ml.demo_data import NON_MEDICAL, Split
from ml.metrics import classification, softmax
from ml.train import Evaluation, Job, images_to_tensor
from qaid.bundle import LABELS, Calibration, ExtraHead, InputSpec, ModelEntry, Provenance, read_cascade

__all__ = ["CascadeRun", "calibrate_run", "card_section", "check_folder", "hospital_run", "test_figures"]

CHOSEN_ON = "the hospital's own validation split (ml.train_cli --val)"
UNLABELLED = "not trained: the training folder has no {} labels (class folders name body parts only)"


def to_cascade_set(split: Split, name: str) -> CascadeSet:
    """A loader split as the cascade's samples: the class folder is the label and the OOD group."""
    s = CascadeSet()
    for img, lab in zip(split.images, split.labels, strict=True):
        s.add(img, None if lab == NON_MEDICAL else LABELS[lab], None, None, f"hospital:{name}")
    return s


def check_folder(data: dict[str, Split]) -> None:
    """A cascade needs medical and non-medical images in train and val; say what is missing."""
    for name in ("train", "val"):
        labels = set(data[name].labels)
        if not labels:
            raise ValueError(
                f"the {name} split is empty: the cascade is calibrated on a validation split "
                "(--val > 0, or a val/ folder) and never on its training images"
            )
        if NON_MEDICAL not in labels or labels == {NON_MEDICAL}:
            raise ValueError(
                f"the {name} split needs both a non_medical folder (photos, screenshots, documents of the "
                "kind patients upload) and at least one body-part folder: the filter learns 'not medical' "
                "from the former"
            )


@dataclass
class CascadeRun:
    """A hospital cascade in training: the job ``ml.train_cli`` runs, its data and its settings."""

    job: Job
    sets: dict[str, CascadeSet]
    cfg: CascadeConfig
    x_train: torch.Tensor
    _cache: dict[str, torch.Tensor] = field(default_factory=dict, init=False, repr=False)

    @property
    def model(self) -> torch.nn.Module:
        return self.job.model

    def outputs(self, split: str) -> dict[str, np.ndarray]:
        return outputs(self.job.model, self._tensor(split))  # type: ignore[arg-type]

    def _tensor(self, split: str) -> torch.Tensor:
        if split not in self._cache:
            self._cache[split] = images_to_tensor(self.sets[split].images, self.cfg.spec)
        return self._cache[split]

    @property
    def untrained(self) -> dict[ExtraHead, str]:
        """The modality/plane heads without a label in training (none is shipped)."""
        a = self.sets["train"].arrays()
        return {h: UNLABELLED.format(h) for h in ("modality", "orientation") if not (a[h] >= 0).any()}


def evaluate(out: dict[str, np.ndarray], s: CascadeSet) -> Evaluation:
    """Filter and labeler figures (argmax: a temperature never changes it) with their confusions."""
    y = {k: v.numpy() for k, v in targets(s).items()}
    names = ["medical", "non_medical"]
    filt, filt_cm = classification("filter", out["filter"], y["filter"], names)
    filt = {k: v for k, v in filt.items() if "auroc_non_medical" not in k}  # = auroc_medical for 2 classes
    m = y["labeler"] >= 0
    lab, lab_cm = classification("labeler", out["labeler"][m], y["labeler"][m], list(LABELS))
    return Evaluation({**filt, **lab}, {"filter": (names, filt_cm), "labeler": (list(LABELS), lab_cm)})


def add_generated_negatives(s: CascadeSet, n: int, seed: int) -> None:
    """``n`` generated non-medical images (the demo's: photo crops, text, charts, noise, shapes,
    documents, app screens, vivid photos; half with upload looks) added to a TRAINING set.

    Why: a hospital's ``non_medical`` folder rarely holds the variety patients upload by mistake, and
    a filter that never saw a cat calls a cat medical (the hospital trial's "medical: yes, eyes").
    Validation and test stay the hospital's own images, so calibration and figures are its own."""
    from ml.cascade_data import _maybe
    from ml.synth_everyday import everyday
    from ml.synth_images import non_medical

    rng = np.random.default_rng(np.random.SeedSequence([seed, 404]))
    for k in range(n):
        img = non_medical(rng, STORE_SIZE) if k % 2 else everyday(rng, STORE_SIZE)
        s.add(_maybe(img, rng, 0.5), None, None, None, "generated:non_medical")


def hospital_run(data: dict[str, Split], cfg: CascadeConfig, negatives: int = 0) -> CascadeRun:
    """The CascadeNet job on the hospital's splits (+ ``negatives`` generated non-medical training
    images), scored on any split with :func:`evaluate`."""
    sets = {name: to_cascade_set(split, name) for name, split in data.items()}
    add_generated_negatives(sets["train"], negatives, cfg.seed)
    job, x = cascade_job(sets["train"], cfg)
    run = CascadeRun(job, sets, cfg, x)
    job.evaluate = lambda split: evaluate(run.outputs(split), sets[split])
    job.primary = "labeler_macro_f1"
    return run


def calibrate_run(run: CascadeRun) -> tuple[dict[str, Calibration], dict[str, float]]:
    """OOD statistics from training features, then every trained head's calibration and the labeler's
    OOD ceiling from validation only. Returns (calibration by head, flat validation figures)."""
    fit_ood(run.model, run.x_train, np.asarray(run.sets["train"].group))  # type: ignore[arg-type]
    out, val = run.outputs("val"), run.sets["val"]
    y = {k: v.numpy() for k, v in targets(val).items()}
    heads = [h for h in ("filter", "labeler", "modality", "orientation") if h not in run.untrained]
    cal = {h: calibrate_head(out[h], y[h], h, CHOSEN_ON) for h in heads}
    groups = np.asarray(val.group)
    cal["labeler"].max_ood = round(ood_ceiling(out["ood"].min(axis=1)[groups >= 0]), 3)
    figures: dict[str, float] = {"val_labeler_max_ood": float(cal["labeler"].max_ood)}
    for h, c in cal.items():
        figures.update({f"val_{h}_temperature": c.temperature, f"val_{h}_min_confidence": c.min_confidence})
        figures.update({f"val_{h}_ece_{k}": v for k, v in (("before", c.ece_before), ("after", c.ece_after))
                        if v is not None})  # fmt: skip
        m = y[h] >= 0
        if m.any():  # what temperature scaling minimises: the validation NLL, before and after
            figures[f"val_{h}_nll_before"] = nll(out[h][m], y[h][m], 1.0)
            figures[f"val_{h}_nll_after"] = nll(out[h][m], y[h][m], c.temperature)
    return cal, figures


def _entries(cal: dict[str, Calibration], spec: InputSpec) -> dict[str, ModelEntry]:
    """Manifest-like entries for :func:`read_cascade` (the HIP's rule), before any file exists."""
    prov = Provenance(training_run="-", data="-", created_at="-")
    common = {"version": "-", "file": "-", "sha256": "-", "input": spec, "outputs": {}, "provenance": prov}
    return {
        "filter": ModelEntry(name="filter", task="filter", labels=["medical", "non_medical"],
                             calibration=cal["filter"], **common),  # type: ignore[arg-type]
        "labeler": ModelEntry(name="labeler", task="labeler", labels=list(LABELS), calibration=cal["labeler"],
                              ood_groups=list(OOD_GROUPS), **common),  # type: ignore[arg-type]
    }  # fmt: skip


def test_figures(run: CascadeRun, cal: dict[str, Calibration], split: str) -> dict[str, float]:
    """ECE before/after and the abstentions on ``split``, read with the HIP's rule image by image."""
    out, s = run.outputs(split), run.sets[split]
    y = {k: v.numpy() for k, v in targets(s).items()}
    fig: dict[str, float] = {}
    for h in ("filter", "labeler"):
        m = y[h] >= 0
        if m.any():
            fig[f"test_{h}_ece_before"] = ece(softmax(out[h][m]), y[h][m])
            fig[f"test_{h}_ece_after"] = ece(softmax(out[h][m], cal[h].temperature), y[h][m])
    entries = _entries(cal, run.cfg.spec)
    rows = ("filter", "labeler", "ood")
    readings = [read_cascade({k: out[k][i] for k in rows}, entries) for i in range(len(s))]
    medical = np.asarray(s.medical, dtype=bool)
    verdict = np.asarray([r.medical for r in readings])
    sure = verdict != "unsure"
    fig["test_filter_unsure"] = float(np.mean(~sure))
    fig["test_filter_wrong_when_sure"] = (
        float(np.mean((verdict == "yes")[sure] != medical[sure])) if sure.any() else 0.0
    )
    named = [(r.body_part.name, LABELS[lab]) for r, lab, med in zip(readings, s.label, medical, strict=True)
             if med and lab >= 0 and r.body_part is not None]  # fmt: skip
    if named:
        fig["test_labeler_abstained"] = float(np.mean([n is None for n, _ in named]))
        kept = [(n, t) for n, t in named if n is not None]
        fig["test_labeler_wrong_when_named"] = float(np.mean([n != t for n, t in kept])) if kept else 0.0
    return fig


def card_section(
    cal: dict[str, Calibration], figures: dict[str, float], untrained: dict[ExtraHead, str]
) -> str:
    """The model card's calibration section: what each number is and where it was chosen."""
    lines = ["## Calibration and abstention (chosen on the validation split, reported on test)", "",
             "| head | temperature | ECE val before → after | ECE test before → after | abstain below |",
             "| --- | --- | --- | --- | --- |"]  # fmt: skip
    for h, c in cal.items():
        val = f"{c.ece_before} → {c.ece_after}" if c.ece_before is not None else "-"
        t0, t1 = figures.get(f"test_{h}_ece_before"), figures.get(f"test_{h}_ece_after")
        test = f"{t0:.4f} → {t1:.4f}" if t0 is not None and t1 is not None else "-"
        lines.append(f"| {h} | {c.temperature} | {val} | {test} | {c.min_confidence} |")
    risk = ", ".join(f"{h} {MAX_RISK[h]:.0%}" for h in cal)
    lines += ["", f"Thresholds keep at most this share of wrong answers on validation: {risk}. The "
              f"labeler names no body part farther than {cal['labeler'].max_ood} (squared Mahalanobis "
              f"distance to the nearest training class; 99th percentile of validation) from its training "
              f"images. On test: "
              f"filter unsure {figures.get('test_filter_unsure', 0):.3f}, wrong when sure "
              f"{figures.get('test_filter_wrong_when_sure', 0):.3f}; body part abstained "
              f"{figures.get('test_labeler_abstained', 0):.3f}, wrong when named "
              f"{figures.get('test_labeler_wrong_when_named', 0):.3f}."]  # fmt: skip
    lines += [f"- {h}: {why}; the HIP refuses the models that need it." for h, why in untrained.items()]
    return "\n".join(lines) + "\n"
