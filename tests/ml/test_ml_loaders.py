"""Loaders on small same-format samples: labels, splits without leakage, masks, answers, DICOM order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ml.demo_data import NON_MEDICAL
from ml.loaders import class_label, load_dicom_series, load_image_folder, load_lgg, load_vqa_rad
from qaid.bundle import BODY_PARTS
from qaid.imaging import decode_image


def test_class_names_map_to_labels_and_unknown_is_an_error() -> None:
    assert class_label("XR_WRIST") == BODY_PARTS.index("wrist")
    assert class_label("Non-Medical") == NON_MEDICAL
    assert class_label("Eye") == BODY_PARTS.index("eyes")
    assert class_label("kidney", {"kidney": "chest"}) == BODY_PARTS.index("chest")
    with pytest.raises(ValueError, match="'kidney'.*brain, chest"):
        class_label("kidney")


def test_image_folder_stratified_split(image_folder: Path) -> None:
    data = load_image_folder(image_folder, val=0.25, test=0.25, seed=0)
    wanted = {BODY_PARTS.index("brain"), BODY_PARTS.index("wrist"), NON_MEDICAL}
    for split in data.values():
        assert set(split.labels) == wanted  # every class in every split (stratified)
    assert sum(len(s.images) for s in data.values()) == 24
    assert [len(s.images) for s in data.values()] == [12, 6, 6]
    brain = data["train"].images[data["train"].labels.index(BODY_PARTS.index("brain"))]
    assert brain.dtype == np.uint8 and brain.mean() > 190  # pixels are the files' pixels
    again = load_image_folder(image_folder, val=0.25, test=0.25, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(data["test"].images, again["test"].images, strict=True))


def test_image_folder_keeps_given_splits_and_rejects_unknown(image_folder: Path, tmp_path: Path) -> None:
    for split in ("train", "test"):
        shutil.copytree(image_folder / "brain", tmp_path / split / "brain")
    data = load_image_folder(tmp_path)
    assert len(data["train"].images) == len(data["test"].images) == 8 and not data["val"].images
    shutil.copytree(image_folder / "brain", tmp_path / "train" / "kidney")
    with pytest.raises(ValueError, match="kidney"):
        load_image_folder(tmp_path)


def test_lgg_split_by_patient_with_masks_and_sides(lgg_folder: Path) -> None:
    data = load_lgg(lgg_folder, val=0.25, test=0.25, seed=0)
    assert sum(len(s.images) for s in data.values()) == 12
    assert all(s.images for s in data.values())
    for s in data.values():
        assert set(s.labels) == {BODY_PARTS.index("brain")}
        assert len(s.images) % 3 == 0  # whole patients only
        for img, f in zip(s.images, s.findings, strict=True):
            assert f is not None and img.shape == (48, 48, 3) and f.mask.shape == (48, 48)
            assert np.all(img[f.mask, 0] == 220) and not np.any(img[~f.mask, 0] == 220)
            if f.mask.any():  # image-left lesion = patient right (radiological convention)
                cols = np.nonzero(f.mask)[1].mean()
                assert f.sides == ["right" if cols < 24 else "left"]
        # slices ordered 1, 2, 10 numerically: the first slice of each patient is the lesion-free one
        assert [bool(f.mask.any()) for f in s.findings[:3]] == [False, True, True]


def test_lgg_missing_image_is_reported(lgg_folder: Path, tmp_path: Path) -> None:
    patient = next(p for p in lgg_folder.iterdir() if p.is_dir())
    shutil.copytree(patient, tmp_path / patient.name)
    next((tmp_path / patient.name).glob("*_2.tif")).unlink()
    with pytest.raises(ValueError, match="_2.tif is missing"):
        load_lgg(tmp_path)


def test_vqa_rad_answers_vocab_and_splits(vqa_rad_folder: Path) -> None:
    vqa = load_vqa_rad(vqa_rad_folder, val=0.2, seed=0)
    test = vqa.splits["test"]
    assert len(test.images) == 2 and len(test.qa) == 3  # the official test_* questions
    assert {a for _, _, a, _ in test.qa} == {"brain", "yes", "glioma"}
    # answers normalised ("Yes" / "left." / 0) and taken from training questions only
    train_answers = {a for _, _, a, _ in vqa.splits["train"].qa}
    assert set(vqa.answers) == train_answers and "glioma" not in vqa.answers
    assert {"yes", "no"} <= set(vqa.answers) | {a for _, _, a, _ in vqa.splits["val"].qa}
    for a, t in zip(vqa.answers, vqa.answer_types, strict=True):
        assert t == ("closed" if a in ("yes", "no") else "open")
    assert vqa.vocab[:2] == ["<pad>", "<unk>"] and "lesion" in vqa.vocab and "glioma" not in vqa.vocab
    # val is split by image: no image is in train and val
    train_imgs = {q[0] for q in vqa.splits["train"].qa}
    assert len(train_imgs) == len(vqa.splits["train"].images) and vqa.splits["val"].images


def test_vqa_rad_rejects_unknown_answer_type(vqa_rad_folder: Path, tmp_path: Path) -> None:
    shutil.copytree(vqa_rad_folder, tmp_path / "v")
    path = tmp_path / "v" / "VQA_RAD Dataset Public.json"
    records = json.loads(path.read_text())
    records[3]["answer_type"] = "MAYBE"
    path.write_text(json.dumps(records))
    with pytest.raises(ValueError, match="record 3.*MAYBE"):
        load_vqa_rad(tmp_path / "v")


def _write_dicom(path: Path, pixels: np.ndarray, instance: int, z: float, uid: str = "1.2.3.4") -> None:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"  # CT image storage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.SeriesInstanceUID, ds.Modality, ds.InstanceNumber = uid, "CT", instance
    ds.ImagePositionPatient, ds.ImageOrientationPatient = [0, 0, z], [1, 0, 0, 0, 1, 0]
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.RescaleSlope, ds.RescaleIntercept = 2, -1024
    ds.WindowCenter, ds.WindowWidth = 40, 400
    ds.PixelData = pixels.astype(np.uint16).tobytes()
    ds.save_as(path, enforce_file_format=True)


def test_dicom_series_sorted_rescaled_windowed(tmp_path: Path) -> None:
    # file names and InstanceNumbers both disagree with the slice positions: positions win
    zs = [30.0, 10.0, 20.0, 0.0]
    for k, z in enumerate(zs):
        raw = np.full((8, 8), 500 + 10 * int(z), dtype=np.uint16)  # HU = 2 * raw - 1024
        _write_dicom(tmp_path / f"slice{k}.dcm", raw, instance=k + 1, z=z)
    series = load_dicom_series(tmp_path)
    assert series.positions == [0.0, 10.0, 20.0, 30.0]
    assert series.hu.shape == (4, 8, 8)
    np.testing.assert_allclose(series.hu[:, 0, 0], [2 * (500 + 10 * z) - 1024 for z in (0, 10, 20, 30)])
    # window 40 +- 200 HU: -24 HU -> (176/400)*255
    assert series.slices[0][0, 0] == int((-24 - (40 - 200)) * 255 / 400)
    for k, z in enumerate(zs):  # identical to the HIP's decoder on the same file
        hip = np.asarray(
            decode_image((tmp_path / f"slice{k}.dcm").read_bytes(), max_bytes=1 << 20, max_pixels=1 << 20)
        )
        assert np.array_equal(hip, series.slices[sorted(zs).index(z)])
    wide = load_dicom_series(tmp_path, window=(0, 2000))
    assert wide.slices[0][0, 0] != series.slices[0][0, 0]


def test_dicom_mixed_series_is_an_error(tmp_path: Path) -> None:
    _write_dicom(tmp_path / "a.dcm", np.zeros((4, 4)), 1, 0.0, uid="1.2.3")
    _write_dicom(tmp_path / "b.dcm", np.zeros((4, 4)), 2, 1.0, uid="1.2.4")
    with pytest.raises(ValueError, match="2 series"):
        load_dicom_series(tmp_path)
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "c.png")  # non-DICOM files are ignored
    with pytest.raises(ValueError, match="no .dcm"):
        load_dicom_series(tmp_path / "missing")
