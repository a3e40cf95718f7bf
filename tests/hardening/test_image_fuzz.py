"""Hostile files through the image loaders of the HIP (qaid.imaging.decode_image, pydicom) and the hub
(hub.images.check_upload): a valid image within limits or the one clear error, in bounded time
and memory. ``bench/fuzz_images.py`` runs the same property over ≥ 1k files."""

from __future__ import annotations

import struct
import warnings

import hostile_images as hi
import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from PIL import Image
from pydicom import uid
from pydicom.encaps import encapsulate

from qaid.imaging import ImageError, decode_image


@seed(20)
@settings(
    max_examples=300,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)
@given(hi.hostile())
def test_every_hostile_file_is_an_image_within_limits_or_one_clear_error(drawn: tuple[str, bytes]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom and PIL warn about what they are being fed
        hi.outcome(*drawn)


def _error(data: bytes) -> tuple[int, str]:
    with pytest.raises(ImageError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        decode_image(data, **hi.LIMITS)
    return info.value.status, info.value.code


def test_a_deflated_dicom_bomb_is_refused_before_it_inflates() -> None:
    # Found by the fuzzing: pydicom inflated the whole dataset (0.5 MB upload -> 512 MB, ~1 GB traced).
    bomb = hi.deflate_bomb(512)
    assert len(bomb) < 1_000_000
    assert hi.outcome("dicom bomb", bomb) == "413 image_too_large"  # outcome() bounds time and memory


def test_a_deflated_dicom_within_the_limit_still_decodes() -> None:
    assert hi.outcome("valid dicom", hi.deflate_bomb(1)) == "decoded dicom"  # inflates to 1 MB < 2 MB
    ds = hi._dataset(uid.ExplicitVRLittleEndian, 8, 8, 1, 8, "MONOCHROME2")
    ds.PixelData = bytes(range(64))
    ds.file_meta.TransferSyntaxUID = uid.DeflatedExplicitVRLittleEndian
    assert hi.outcome("valid dicom", hi._write(ds)) == "decoded dicom"


def test_a_dicom_jpeg_frame_larger_than_its_rows_and_columns_is_refused() -> None:
    # Found by the fuzzing: a 16x16 DICOM carrying a JPEG frame that declares 12000x12000 made Pillow
    # allocate ~150 MB (the DICOM header check never saw the frame's own size).
    frame = bytearray(hi._encode(Image.new("L", (16, 16), 90), "JPEG"))
    sof = frame.find(b"\xff\xc0")
    frame[sof + 5 : sof + 9] = struct.pack(">HH", 12000, 12000)
    ds = hi._dataset(uid.JPEGBaseline8Bit, 16, 16, 1, 8, "MONOCHROME2")
    ds.PixelData = encapsulate([bytes(frame)])
    ds["PixelData"].VR = "OB"
    assert hi.outcome("dicom bomb", hi._write(ds)) == "422 corrupt_image"


def test_compressed_dicom_is_decoded_only_where_the_size_can_be_checked() -> None:
    jpeg = hi._encode(Image.new("L", (16, 16), 90), "JPEG")
    for syntax, category, expected in (
        (uid.JPEGBaseline8Bit, "valid dicom", "decoded dicom"),  # Pillow, size checked first
        (uid.JPEGLSLossless, "odd dicom", "415 unsupported_media_type"),  # no decoder we can bound
    ):
        ds = hi._dataset(syntax, 16, 16, 1, 8, "MONOCHROME2")
        ds.PixelData = encapsulate([jpeg])
        ds["PixelData"].VR = "OB"
        assert hi.outcome(category, hi._write(ds)) == expected
    assert _error(b"\0" * 128 + b"DICM" + b"\0" * 16) == (422, "corrupt_image")
