"""DICOM de-identification (issue 16): real DICOMs from pydicom's test files, whose headers carry a
patient name, ids, dates, an institution and private tags, lose them and keep what models need."""

from __future__ import annotations

import io
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file

from qaid import deid
from qaid.imaging import decode_image
from qaid_contracts.limits import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS

KEY = b"uid-key-for-tests"


def _real(name: str) -> bytes:
    path = get_testdata_file(name)
    assert path is not None, f"pydicom ships {name}"
    return Path(str(path)).read_bytes()


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm"])
def test_identifying_attributes_are_gone_and_what_models_need_stays(name: str) -> None:
    raw = _real(name)
    before = pydicom.dcmread(io.BytesIO(raw))
    assert str(before.PatientName).startswith("CompressedSamples")  # the test file does identify
    out = deid.deidentify(raw, KEY)
    ds = pydicom.dcmread(io.BytesIO(out))

    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "StudyDate", "StudyTime", "StudyID"):
        assert not ds.get(keyword), keyword
    for keyword in ("InstitutionName", "StationName", "OperatorsName", "StudyDescription", "PatientAge"):
        assert keyword not in ds, keyword
    assert not any(e.tag.is_private for e in ds)
    assert all(not e.value for e in ds if e.VR in ("PN", "DA", "TM", "DT"))
    for text in (str(before.PatientName), str(before.PatientID)):
        assert text.encode() not in out
    # UIDs replaced, consistently with the file meta
    assert ds.SOPInstanceUID != before.SOPInstanceUID and ds.SOPInstanceUID.startswith("2.25.")
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert ds.PatientIdentityRemoved == "YES"
    assert ds.DeidentificationMethodCodeSequence[0].CodeValue == "113100"
    # kept: what the models and hospitals need
    assert ds.Modality == before.Modality and ds.PixelSpacing == before.PixelSpacing
    assert ds.get("ImageOrientationPatient") == before.get("ImageOrientationPatient")
    assert ds.PixelData == before.PixelData
    assert _decode(out).size == _decode(raw).size  # the HIP still decodes it
    assert deid.deidentify(raw, KEY) == out  # deterministic: the hub's content address is stable


def _decode(data: bytes):  # noqa: ANN202 - a PIL image
    return decode_image(data, max_bytes=MAX_IMAGE_BYTES, max_pixels=MAX_IMAGE_PIXELS)


def test_burned_in_text_is_refused_and_garbage_is_an_error() -> None:
    ds = pydicom.dcmread(io.BytesIO(_real("CT_small.dcm")))
    ds.BurnedInAnnotation = "YES"
    flagged = io.BytesIO()
    ds.save_as(flagged)
    with pytest.raises(deid.BurnedInText):
        deid.deidentify(flagged.getvalue(), KEY)
    with pytest.raises(deid.DeidError):
        deid.deidentify(b"\0" * 128 + b"DICM" + b"\xff" * 64, KEY)
