"""Loaders for the data hospitals actually have, producing what :mod:`ml.train` consumes.

* :func:`load_image_folder` — ImageFolder-style classification (``<root>/<class>/<image>``) -> splits
  for the cascade; folder names map to ``LABELS`` (eleven body parts or ``other``: a medical image of
  another body part) / non-medical, unknown names are an error (a silently dropped or mislabelled
  class would train a wrong labeler).
* :func:`load_lgg` — Kaggle "lgg-mri-segmentation" (``<patient>/<id>_<N>.tif`` + ``<id>_<N>_mask.tif``)
  -> brain-MRI splits with masks for the U-Net; split by PATIENT so no patient is in two splits.
* :func:`load_vqa_rad` — VQA-RAD JSON + image folder -> :class:`~ml.vqa_data.VQAData` with the
  answer set, vocabulary and question length built from the training split only.
* :func:`load_dicom_series` — one DICOM series folder -> slices in anatomical order, rescaled to
  modality units and windowed to 8 bits like the HIP's decoder.

Pixels go through the HIP's own decoder (:func:`qaid.imaging.decode_image`) wherever it handles the
format (PNG, JPEG, DICOM), so training and serving see the same 8-bit image.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

from ml.demo_data import NON_MEDICAL, Split
from ml.lesions import Finding, patient_side
from ml.vqa_data import (
    QA,
    VQAData,
    VQASplit,
    build_answers,
    build_vocab,
    normalise_answer,
    question_length,
    question_types_from,
)
from qaid.bundle import BODY_PARTS, LABELS, OTHER_LABEL
from qaid.imaging import _stretch, _to_8bit, decode_image, sniff_format

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".dcm", ".tif", ".tiff", ".bmp"}
_NO_LIMIT = 1 << 40  # local, trusted files: the upload limits of the HIP do not apply
# Folder-name spellings seen in public data sets (MURA's XR_ELBOW, "eye", "not_medical", ...).
ALIASES = {
    "non_medical": NON_MEDICAL, "nonmedical": NON_MEDICAL, "not_medical": NON_MEDICAL,
    "eye": BODY_PARTS.index("eyes"), "fundus": BODY_PARTS.index("eyes"), "head": BODY_PARTS.index("brain"),
    "lung": BODY_PARTS.index("chest"), "lungs": BODY_PARTS.index("chest"), "cxr": BODY_PARTS.index("chest"),
    "mammography": BODY_PARTS.index("breast"), "finger": BODY_PARTS.index("hand"),
    "other_medical": LABELS.index(OTHER_LABEL), "other_body_part": LABELS.index(OTHER_LABEL),
}  # fmt: skip


def class_label(folder: str, extra: dict[str, str] | None = None) -> int:
    """Folder name -> LABELS index (``other``: medical, another body part) or NON_MEDICAL; ``extra`` maps
    further names to a label name."""
    key = re.sub(r"[\s\-]+", "_", folder.strip().lower())
    key = re.sub(r"^xr_", "", key)  # MURA: XR_WRIST
    if extra and folder in extra:
        key = extra[folder].lower()
    if key in LABELS:
        return LABELS.index(key)
    if key in ALIASES:
        return ALIASES[key]
    known = ", ".join([*LABELS, "non_medical"])
    raise ValueError(
        f"unknown class folder {folder!r}: rename it to one of {known} "
        "(or map it with --class-map NAME=LABEL)"
    )


def read_image(path: Path) -> np.ndarray:
    """A local image file -> uint8 (H, W) or (H, W, 3), decoded like an upload where the HIP can."""
    data = path.read_bytes()
    if sniff_format(data) is not None:
        img = decode_image(data, max_bytes=_NO_LIMIT, max_pixels=_NO_LIMIT)
    else:  # TIFF, BMP: not accepted by the HIP, but hospitals export them (LGG is TIFF)
        with Image.open(path) as raw:
            raw.load()
            img = _to_8bit(raw)
    return np.asarray(img)


def _split_groups(groups: list[str], fractions: tuple[float, float], seed: list[int]) -> dict[str, str]:
    """Group -> split name, shuffled by ``seed``; a requested val/test split gets >= 1 group if n >= 3."""
    order = list(np.random.default_rng(seed).permutation(sorted(set(groups))))
    n = len(order)
    n_val, n_test = (max(int(f > 0 and n >= 3), round(n * f)) for f in fractions)
    out = {g: "test" for g in order[:n_test]}
    out.update({g: "val" for g in order[n_test : n_test + n_val]})
    out.update({g: "train" for g in order[n_test + n_val :]})
    return out


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def load_image_folder(
    root: Path,
    val: float = 0.15,
    test: float = 0.15,
    seed: int = 0,
    class_map: dict[str, str] | None = None,
) -> dict[str, Split]:
    """``root/<class>/**/<image>`` -> train/val/test :class:`Split` (labels only, no findings).

    If ``root`` already has ``train/`` (and ``val/``, ``test/``) subfolders those splits are kept;
    otherwise each class is split at random (stratified) with the given fractions.
    """
    root = Path(root)
    presplit = (root / "train").is_dir()
    out = {name: Split() for name in ("train", "val", "test")}
    for split_name in ("train", "val", "test") if presplit else ("",):
        base = root / split_name if split_name else root
        if not base.is_dir():
            continue
        for folder in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
            label = class_label(folder.name, class_map)
            files = _files(folder)
            if presplit:
                assign = dict.fromkeys(map(str, files), split_name)
            else:
                assign = _split_groups([str(f) for f in files], (val, test), [seed, label + 1])
            for f in files:
                s = out[assign[str(f)]]
                s.images.append(read_image(f))
                s.labels.append(label)
                s.findings.append(None)
    if not out["train"].images:
        raise ValueError(f"{root}: no images found in class folders (expected {root}/<class>/<image>)")
    return out


def _slice_no(path: Path) -> int:
    m = re.search(r"_(\d+)(?:_mask)?$", path.stem)
    return int(m.group(1)) if m else 0


def mask_finding(mask: np.ndarray) -> Finding:
    """A lesion mask -> :class:`Finding` with one patient side per connected lesion (radiological)."""
    labels, n = ndimage.label(mask)
    centres = ndimage.center_of_mass(mask, labels, range(1, n + 1)) if n else []
    return Finding(mask=mask, sides=[patient_side(c[1], mask.shape[1]) for c in centres])


def load_lgg(root: Path, val: float = 0.1, test: float = 0.2, seed: int = 0) -> dict[str, Split]:
    """Kaggle LGG layout -> brain-labelled splits whose findings carry the FLAIR masks.

    Every ``*_mask.tif`` must have its image beside it; slices are ordered by their number. A
    patient (folder) goes wholly to one split: adjacent slices are near-duplicates, so a slice
    split would leak and inflate Dice.
    """
    root = Path(root)
    masks = sorted(root.rglob("*_mask.tif"), key=lambda p: (str(p.parent), _slice_no(p)))
    if not masks:
        raise ValueError(f"{root}: no *_mask.tif files (expected <patient>/<id>_<N>.tif + <id>_<N>_mask.tif)")
    assign = _split_groups([str(m.parent) for m in masks], (val, test), [seed])
    out = {name: Split() for name in ("train", "val", "test")}
    brain = BODY_PARTS.index("brain")
    for m in masks:
        image = m.with_name(m.name.replace("_mask.tif", ".tif"))
        if not image.is_file():
            raise ValueError(f"{m}: its image {image.name} is missing")
        img, mask = read_image(image), read_image(m)
        mask = (mask.max(axis=-1) if mask.ndim == 3 else mask) > 127
        if mask.shape != img.shape[:2]:
            raise ValueError(f"{m}: mask {mask.shape} and image {img.shape[:2]} differ in size")
        s = out[assign[str(m.parent)]]
        s.images.append(img)
        s.labels.append(brain)
        s.findings.append(mask_finding(mask))
    return out


ANSWER_TYPE = {"CLOSED": "closed", "OPEN": "open"}


def load_vqa_rad(
    path: Path, images: Path | None = None, val: float = 0.1, seed: int = 0, min_answer_count: int = 1
) -> VQAData:
    """VQA-RAD JSON (a list of {image_name, question, answer, answer_type, ...}) -> :class:`VQAData`.

    ``path`` is the JSON file or a folder holding one; ``images`` defaults to the folder beside it
    that contains the first referenced image. The official test questions (``phrase_type``
    ``test_*``) form the test split; val is carved from the rest by IMAGE, so a val image's
    paraphrased questions never leak from training.
    """
    path = Path(path)
    if path.is_dir():
        found = sorted(path.glob("*.json"))
        if not found:
            raise ValueError(f"{path}: no VQA-RAD .json file")
        path = found[0]
    records = json.loads(path.read_text())
    if not isinstance(records, list) or not records:
        raise ValueError(f"{path}: expected a non-empty JSON list of questions")
    if images is None:
        first = records[0]["image_name"]
        candidates = [path.parent, *sorted(p for p in path.parent.iterdir() if p.is_dir())]
        images = next((d for d in candidates if (d / first).is_file()), None)
        if images is None:
            raise ValueError(f"{path.parent}: no folder holds {first}; pass the images folder")
    rows = []
    type_votes: dict[str, Counter[str]] = {}
    for k, r in enumerate(records):
        kind = str(r.get("answer_type", "")).strip().upper()
        if kind not in ANSWER_TYPE:
            raise ValueError(f"{path} record {k}: answer_type {r.get('answer_type')!r} is not CLOSED/OPEN")
        test = str(r.get("phrase_type", "")).startswith("test")
        type_votes.setdefault(str(r["question"]).strip(), Counter())[_question_type(r)] += 1
        rows.append(
            (
                r["image_name"],
                str(r["question"]).strip(),
                normalise_answer(r["answer"]),
                ANSWER_TYPE[kind],
                test,
            )
        )
    not_test = [name for name, *_, test in rows if not test]
    assign = _split_groups(not_test, (val, 0.0), [seed]) if not_test else {}
    splits = {name: VQASplit() for name in ("train", "val", "test")}
    position: dict[tuple[str, str], int] = {}
    for name, question, answer, kind, test in rows:
        split = "test" if test else assign[name]
        s = splits[split]
        if (split, name) not in position:
            position[(split, name)] = len(s.images)
            s.images.append(read_image(images / name))
        s.qa.append((position[(split, name)], question, answer, kind))
    train_qa: list[QA] = splits["train"].qa
    answers, types = build_answers(train_qa, min_answer_count)
    questions = [q for _, q, _, _ in train_qa]
    kind_of = {q: votes.most_common(1)[0][0] for q, votes in type_votes.items()}
    return VQAData(
        splits, answers, types, build_vocab(questions), question_length(questions), f"VQA-RAD {path.name}",
        question_types_from(train_qa, kind_of, answers),
    )  # fmt: skip


def _question_type(record: dict) -> str:
    """VQA-RAD's ``question_type`` ("PRES", "ABN", "PRES, POS"...) as a type id: its first type, in
    lower case ("general" when the record has none)."""
    first = str(record.get("question_type") or "").split(",")[0].strip().lower()
    return re.sub(r"[^a-z0-9_]+", "_", first).strip("_")[:40] or "general"


@dataclass
class DicomSeries:
    uid: str
    hu: np.ndarray  # float32 (slices, rows, cols) in modality units (RescaleSlope/Intercept applied)
    slices: list[np.ndarray]  # uint8 windowed slices, same order
    positions: list[float]  # position along the slice normal (mm), or the InstanceNumber


def load_dicom_series(folder: Path, window: tuple[float, float] | None = None) -> DicomSeries:
    """All ``.dcm`` slices of one series -> a volume in anatomical order, rescaled and windowed.

    Order: position along the slice normal (ImagePositionPatient · normal of ImageOrientationPatient)
    when every slice has both tags, else InstanceNumber — file names are not reliable. Window:
    ``(centre, width)`` if given, else each slice's own WindowCenter/Width tags, else min-max — the
    same rule as the HIP's decoder, so a slice looks the same uploaded alone.
    """
    import pydicom

    files = sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.suffix.lower() == ".dcm")
    if not files:
        raise ValueError(f"{folder}: no .dcm files")
    ds = [pydicom.dcmread(p) for p in files]
    uids = {str(d.get("SeriesInstanceUID", "")) for d in ds}
    if len(uids) > 1:
        raise ValueError(
            f"{folder}: {len(uids)} series mixed in one folder; put each series in its own folder"
        )
    if all("ImagePositionPatient" in d and "ImageOrientationPatient" in d for d in ds):
        o = np.asarray(ds[0].ImageOrientationPatient, dtype=np.float64)
        normal = np.cross(o[:3], o[3:])
        keys = [float(np.dot(normal, np.asarray(d.ImagePositionPatient, dtype=np.float64))) for d in ds]
    else:
        keys = [float(d.get("InstanceNumber", k)) for k, d in enumerate(ds)]
    order = np.argsort(keys, kind="stable")
    hu, slices = [], []
    for i in order:
        d = ds[i]
        pixels = d.pixel_array.astype(np.float64) * float(d.get("RescaleSlope", 1) or 1) + float(
            d.get("RescaleIntercept", 0) or 0
        )
        c, w = window if window else (d.get("WindowCenter"), d.get("WindowWidth"))
        c, w = (_first(c), _first(w)) if c is not None and w is not None else (None, None)
        out = _stretch(pixels, c - w / 2, c + w / 2) if c is not None and w else _stretch(pixels)
        if str(d.get("PhotometricInterpretation", "")).upper() == "MONOCHROME1":
            out = 255 - out
        hu.append(pixels.astype(np.float32))
        slices.append(out)
    return DicomSeries(uids.pop(), np.stack(hu), slices, [keys[i] for i in order])


def _first(value: object) -> float:
    try:
        return float(value[0])  # type: ignore[index]
    except TypeError:
        return float(value)  # type: ignore[arg-type]


def series_split(series: DicomSeries, part: str) -> Split:
    """A series' slices as one :class:`Split` of ``part`` (e.g. to add a CT series to a class)."""
    return Split(list(series.slices), [class_label(part)] * len(series.slices), [None] * len(series.slices))
