"""The real-image set: split by source, never trained or calibrated on; make eval's tables and baselines."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from ml import real_sources
from ml.cascade_data import Mix, hospital_set, validation_pool
from ml.real_eval import build, report


def test_every_source_has_one_role_and_expected_answers() -> None:
    sources = real_sources.sources()
    ids = [s.id for s in sources]
    assert len(ids) == len(set(ids))
    assert {s.role for s in sources} == {"train", "val", "eval"}
    for s in sources:
        assert s.medical == (s.body_part is not None)
        assert s.body_part in (None, "?", *real_sources_labels())
    kinds = {s.kind for s in sources if s.role == "eval" and not s.medical}
    assert {"photo", "chart", "document", "screenshot"} <= kinds
    modalities = {s.modality for s in sources if s.role == "eval" and s.medical}
    assert {"xray", "ct", "mri", "ultrasound", "fundus", "microscopy"} <= modalities


def _thumb(img: np.ndarray) -> np.ndarray:
    from PIL import Image

    grey = Image.fromarray(img).convert("L").resize((32, 32), Image.Resampling.BILINEAR)
    v = np.asarray(grey, np.float64).ravel()
    return (v - v.mean()) / (v.std() + 1e-9)


def test_no_training_or_validation_image_is_an_evaluation_image_in_another_encoding() -> None:
    """A source added to train or val must not be an eval image re-encoded, resized or windowed
    differently (pydicom-data ships most NEMA images several times): thumbnails must not correlate.
    Registry review covers what this cannot see (a large crop, a flip, another slice of one volume)."""
    items = {role: [(s.id, n, _thumb(img)) for s in real_sources.by_role(role) for n, img, _ in s.load()]
             for role in ("train", "val", "eval")}  # fmt: skip
    evals = np.stack([t for *_, t in items["eval"]])
    for role in ("train", "val"):
        for sid, name, t in items[role]:
            corr = evals @ t / len(t)
            k = int(np.argmax(corr))
            assert corr[k] < 0.95, (sid, name, items["eval"][k][:2], float(corr[k]))


def test_mosaic_sources_give_single_slices() -> None:
    """Siemens EPI mosaics are cut into their slices (a patient uploads a slice, not the sheet)."""
    epi = next(s for s in real_sources.sources() if s.id == "mr-epi-heudiconv").load()
    assert len(epi) == 6
    assert all(img.shape == (64, 64) and img.dtype == np.uint8 and img.std() > 20 for _, img, _ in epi)


def real_sources_labels() -> tuple[str, ...]:
    from qaid.bundle import LABELS

    return LABELS


def test_training_and_calibration_never_read_an_evaluation_source(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []

    def guarded(s: real_sources.RealSource) -> real_sources.RealSource:
        def load() -> list:
            if s.role == "eval":
                raise AssertionError(f"evaluation source {s.id} was read")
            read.append(s.id)
            return []

        return dataclasses.replace(s, load=load)

    patched = tuple(guarded(s) for s in real_sources.sources())
    monkeypatch.setattr(real_sources, "sources", lambda: patched)
    tiny = Mix().scaled(0.02)
    hospital_set("titan", {"vqa": ["chest_xray"]}, 0, tiny)
    validation_pool(0, tiny)
    roles = {s.id: s.role for s in patched}
    assert {roles[i] for i in read} == {"train", "val"}


@pytest.fixture(scope="module")
def real_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("real_eval")
    build(out)
    return out


def test_build_writes_images_and_a_manifest_split_by_source(real_set: Path) -> None:
    items = json.loads((real_set / "manifest.json").read_text())["items"]
    assert {i["role"] for i in items} == {"val", "eval"}
    for i in items:
        assert (real_set / i["file"]).is_file()
        assert i["source"] in {s.id for s in real_sources.sources()}
    by_source: dict[str, set[str]] = {}
    for i in items:
        by_source.setdefault(i["source"], set()).add(i["role"])
    assert all(len(roles) == 1 for roles in by_source.values())
    photos = [i for i in items if i["variant"]]
    assert photos and all(i["role"] == "eval" and i["medical"] for i in photos)
    chest = next(i for i in items if i["source"] == "cr-chest" and not i["variant"])
    assert chest["body_part"] == "chest" and chest["modality"] == "xray" and chest["pixel_spacing_mm"] is None
    assert sum(i["role"] == "eval" and i["medical"] for i in items) >= 20
    assert sum(i["role"] == "eval" and not i["medical"] for i in items) >= 20


def test_report_prints_every_model_beside_its_baselines(
    quick_build: tuple[Path, dict], real_set: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, _ = quick_build
    result = report(out, real_set, seed=1, scale=0.03)
    printed = capsys.readouterr().out
    for split in ("demo test", "real eval", "real val"):
        rows = result[f"cascade {split}"]
        assert {
            "herastrau",
            "cismigiu",
            "titan",
            "baseline: nearest neighbour 16px",
            "baseline: grey = medical",
        } <= set(rows)
        for row in rows.values():
            assert 0.0 <= row["medical_called_medical"] <= 1.0
        assert f"## Cascade on the {split}" in printed
    seg = result["segmentation cismigiu"]
    assert {"U-Net", next(k for k in seg["demo test: Dice"] if k.startswith("threshold"))} == set(
        seg["demo test: Dice"]
    )
    assert "shifted demo (planes/contrasts/CT): lesion claims" in seg
    for h in ("herastrau", "cismigiu", "titan"):
        assert {"model", "question-only"} == set(result[f"vqa {h}"]["demo test: closed accuracy"])
    assert set(result["calibration"]["titan"]) == {"filter", "labeler", "modality", "orientation"}
    assert np.isfinite(result["calibration"]["titan"]["labeler"]["temperature"])
