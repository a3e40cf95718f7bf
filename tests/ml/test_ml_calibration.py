"""Temperature scaling, ECE, abstain thresholds and the shared reading rules of the cascade."""

from __future__ import annotations

import numpy as np

from ml.calibrate import confidence_threshold, ece, fit_gaussians, fit_platt, fit_temperature, nll
from ml.cascade_train import MAX_RISK, balanced, calibrate_head
from ml.metrics import softmax
from qaid.bundle import (
    LABELS,
    Calibration,
    InputSpec,
    ModelEntry,
    Provenance,
    TrainedOn,
    calibrated,
    domain_check,
    read_cascade,
)


def test_temperature_scaling_cools_an_overconfident_model() -> None:
    rng = np.random.default_rng(0)
    target = rng.integers(0, 3, 2000)
    logits = rng.normal(0, 1, (2000, 3))
    logits[np.arange(2000), target] += 1.0
    hot = logits * 5  # same ranking, far too confident
    t = fit_temperature(hot, target)
    assert 3.5 < t < 7
    assert nll(hot, target, t) < nll(hot, target, 1.0)
    assert ece(softmax(hot, t), target) < ece(softmax(hot), target) / 2


def test_a_perfectly_separated_validation_set_never_sharpens() -> None:
    rng = np.random.default_rng(1)
    target = rng.integers(0, 3, 40)
    logits = rng.normal(0, 0.3, (40, 3))
    logits[np.arange(40), target] += 2.0  # every example right: the NLL keeps falling as T -> 0
    assert (logits.argmax(1) == target).all() and nll(logits, target, 0.3) < nll(logits, target, 1.0)
    assert fit_temperature(logits, target) == 1.0
    logits[0] = np.roll(logits[0], 1)  # one error: the fit is free again
    assert fit_temperature(logits, target) != 1.0


def test_confidence_threshold_keeps_the_risk_under_the_bound() -> None:
    conf = np.linspace(0.5, 1.0, 101)
    probs = np.stack([conf, 1 - conf], axis=1)
    target = np.where(conf > 0.8, 0, 1)  # right only above 0.8
    t = confidence_threshold(probs, target, max_risk=0.0)
    kept = conf >= t
    assert t > 0.8 and (target[kept] == 0).all()


def test_a_few_real_images_weigh_as_much_as_many_easy_generated_ones() -> None:
    """On 400 easy generated rows the 2 % threshold sits at the floor; 20 real rows with two confident
    mistakes, weighted as much as the generated ones, raise it above those mistakes."""
    rng = np.random.default_rng(3)
    gen_t = rng.integers(0, 2, 400)
    gen = rng.normal(0, 0.5, (400, 2))
    gen[np.arange(400), gen_t] += 6.0  # easy: all right, very sure
    real_t = np.zeros(20, int)
    real = rng.normal(0, 0.3, (20, 2))
    real[:, 0] += np.linspace(1.0, 4.0, 20)
    real[:2] = [[0.0, 2.2], [0.0, 2.0]]  # two real scans called "not medical" with ~0.9 confidence
    logits, target = np.concatenate([gen, real]), np.concatenate([gen_t, real_t])
    is_real = np.arange(420) >= 400
    pooled = calibrate_head(logits, target, "filter", "test")
    lw, tw = balanced(logits, target, is_real)
    assert len(tw) == 400 + 20 * 20 and (tw[400:] == 0).all()
    weighted = calibrate_head(lw, tw, "filter", "test")
    assert pooled.min_confidence == 0.5 and MAX_RISK["filter"] == 0.02
    wrong = softmax(real[:2], weighted.temperature).max(1)
    assert weighted.min_confidence > wrong.max()  # the confident real mistakes become "unsure"
    assert balanced(logits, target, np.zeros(420, bool))[0] is logits  # no real rows: unchanged


def _shifted_filter(n: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Two-class logits whose boundary sits in the wrong place: class 0 ("medical") scores are
    N(0, 1) and class 1 scores N(-2, 1), so the log-odds of class 0 are 2 s + 2, not s."""
    rng = np.random.default_rng(5)
    target = np.repeat([0, 1], n // 2)
    s = np.where(target == 0, 0.0, -2.0) + rng.normal(0, 1, n)
    return np.stack([s / 2, -s / 2], axis=1), target


def test_platt_scaling_moves_the_boundary_temperature_cannot() -> None:
    logits, target = _shifted_filter()
    t, bias = fit_platt(logits, target)
    assert bias is not None and 0.35 < t < 0.7 and 0.7 < bias[0] < 1.4 and bias[1] == -bias[0]
    cal = Calibration(temperature=t, bias=bias)
    platt, temp = calibrated(logits, cal), softmax(logits, fit_temperature(logits, target))
    assert nll(np.log(platt), target, 1.0) < nll(np.log(temp), target, 1.0)
    # scores between -0.5 and 0 are mostly class 0: Platt calls them so, temperature scaling cannot
    mid = (logits[:, 0] - logits[:, 1] > -0.5) & (logits[:, 0] - logits[:, 1] < 0)
    assert (target[mid] == 0).mean() > 0.75
    assert (platt[mid, 0] > 0.5).all() and (temp[mid, 0] < 0.5).all()
    # the threshold that keeps the risk at 2 % keeps more of the right calls after Platt
    kept = lambda p: (p.max(1) >= confidence_threshold(p, target, 0.02)).mean()  # noqa: E731
    assert kept(platt) > kept(temp)


def test_platt_scaling_falls_back_where_the_nll_has_no_minimum() -> None:
    logits, target = _shifted_filter()
    separable = target == 0
    logits_sep = np.where(separable[:, None], [[3.0, -3.0]], [[-3.0, 3.0]])
    assert fit_platt(logits_sep, target)[1] is None  # separable: temperature only
    assert fit_platt(logits[target == 0], target[target == 0])[1] is None  # one class
    assert fit_platt(np.zeros((4, 3)), np.array([0, 1, 2, 0]))[1] is None  # not two classes
    cal = calibrate_head(logits, target, "filter", "test", platt=True)
    assert cal.bias is not None and cal.ece_after is not None and cal.ece_after < cal.ece_before  # type: ignore[operator]
    assert calibrate_head(logits, target, "filter", "test").bias is None  # the other heads: temperature


def test_mahalanobis_statistics_put_a_far_image_far() -> None:
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(0, 1, (200, 4)), rng.normal(5, 1, (200, 4))])
    groups = np.repeat([0, 1], 200)
    means, precision = fit_gaussians(x, groups, 3)
    d = lambda v, g: float((v - means[g]) @ precision @ (v - means[g]))  # noqa: E731
    assert d(np.zeros(4), 0) < 10 < d(np.full(4, 40.0), 0) and d(np.full(4, 5.0), 1) < 10
    assert means[2].min() >= 1e3  # a group without samples is far from everything


def _entry(task: str, labels: list[str], cal: Calibration, **extra: object) -> ModelEntry:
    prov = Provenance(training_run="t", data="d", created_at="now")
    spec = InputSpec(size=8, channels=3, mean=[0, 0, 0], std=[1, 1, 1])
    return ModelEntry(
        name=task,
        task=task,
        version="1",
        file="c.onnx",
        sha256="0",
        input=spec,  # type: ignore[arg-type]
        outputs={"logits": "l"},
        labels=labels,
        provenance=prov,
        calibration=cal,
        **extra,
    )


ENTRIES = {
    "filter": _entry("filter", ["medical", "non_medical"], Calibration(temperature=1.0, min_confidence=0.9)),
    "labeler": _entry(
        "labeler",
        list(LABELS),
        Calibration(min_confidence=0.8, max_ood=50.0),
        ood_groups=["brain", "brain_mri_demo"],
    ),
    "modality": _entry("modality", ["xray", "mri"], Calibration(min_confidence=0.6)),
    "orientation": _entry("orientation", ["axial", "sagittal"], Calibration(min_confidence=0.6)),
}


def _rows(
    p_med: float, part: int, part_logit: float, ood: float, plane: int = 0, own: float = -5.0
) -> dict[str, np.ndarray]:
    """Cascade outputs; ``own`` is the distance to brain_mri_demo relative to the distance to brain."""
    lab = np.zeros(len(LABELS))
    lab[part] = part_logit
    return {
        "filter": np.log([p_med, 1 - p_med]),
        "labeler": lab,
        "modality": np.array([0.0, 9.0]),
        "orientation": np.eye(2)[plane] * 9,
        "ood": np.array([ood, ood + own]),
    }


def test_reading_abstains_with_reasons() -> None:
    sure = read_cascade(_rows(0.99, 0, 12.0, 10.0), ENTRIES)
    assert sure.medical == "yes" and sure.body_part.name == "brain" and sure.body_part_reason is None  # type: ignore[union-attr]
    assert read_cascade(_rows(0.7, 0, 12.0, 10.0), ENTRIES).medical == "unsure"
    assert read_cascade(_rows(0.02, 0, 12.0, 10.0), ENTRIES).medical == "no"
    vague = read_cascade(_rows(0.99, 0, 1.0, 10.0), ENTRIES)
    assert vague.body_part.name is None and "not sure" in vague.body_part_reason  # type: ignore[union-attr,operator]
    far = read_cascade(_rows(0.99, 0, 12.0, 99.0), ENTRIES)
    assert (
        far.body_part.name is None and far.body_part_reason == "unlike the images the models were trained on"
    )  # type: ignore[union-attr]
    other = read_cascade(_rows(0.99, LABELS.index("other"), 12.0, 10.0), ENTRIES)
    assert other.body_part.name == "other"  # type: ignore[union-attr]


def test_no_body_part_when_the_features_lie_nearest_another_part() -> None:
    """The labeler says brain, but the features are nearer the chest images than the brain images."""
    entries = {**ENTRIES, "labeler": ENTRIES["labeler"].model_copy(update={"ood_groups": ["brain", "chest"]})}
    agree = read_cascade(_rows(0.99, 0, 12.0, 10.0, own=5.0), entries)
    assert agree.body_part.name == "brain"  # type: ignore[union-attr]
    disagree = read_cascade(_rows(0.99, 0, 12.0, 10.0, own=-5.0), entries)
    assert disagree.body_part.name is None and disagree.body_part.top == "brain"  # type: ignore[union-attr]
    assert disagree.body_part_reason == "the models are not sure which body part this is"


def test_domain_check_names_what_does_not_match() -> None:
    on = TrainedOn(
        labels=["brain"],
        modalities=["mri"],
        orientations=["axial"],
        max_ood={"brain_mri_demo": 20.0},
        description="axial brain MRI slices",
    )
    assert domain_check(read_cascade(_rows(0.99, 0, 12.0, 10.0), ENTRIES), on) is None
    sagittal = domain_check(read_cascade(_rows(0.99, 0, 12.0, 10.0, plane=1), ENTRIES), on)
    assert sagittal == "the model was trained on axial brain MRI slices only; this image looks sagittal"
    unlike = domain_check(read_cascade(_rows(0.99, 0, 12.0, 30.0), ENTRIES), on)
    assert unlike is not None and unlike.endswith("unlike its training images")
    closer_to_other_brains = domain_check(read_cascade(_rows(0.99, 0, 12.0, 10.0, own=2.0), ENTRIES), on)
    assert closer_to_other_brains is not None and closer_to_other_brains.endswith(
        "unlike its training images"
    )
    chest = domain_check(read_cascade(_rows(0.99, 1, 12.0, 10.0), ENTRIES), on)
    assert chest is not None and "not a recognised brain" in chest
    assert domain_check(read_cascade(_rows(0.99, 0, 12.0, 10.0), ENTRIES), None) is None
