"""qaid.imaging.decode_image: every hostile or odd input becomes an image or a typed 4xx error."""

from __future__ import annotations

import io
import random
import struct
import zlib

import numpy as np
import pydicom
import pytest
from hip_helpers import encode
from PIL import Image
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from qaid.imaging import ImageError, decode_image, sniff_format

LIMITS = {"max_bytes": 5_000_000, "max_pixels": 4_000_000}


def decode(data: bytes) -> tuple[Image.Image, str | None]:
    return decode_image(data, **LIMITS), sniff_format(data)


def expect_error(data: bytes, code: str, status: int, **limits: int) -> None:
    with pytest.raises(ImageError) as info:
        decode_image(data, **{**LIMITS, **limits})
    assert (info.value.code, info.value.status) == (code, status)


def png_with_header(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims ``width x height`` but carries almost no data (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def dicom_bytes(
    pixels: np.ndarray,
    *,
    photometric: str = "MONOCHROME2",
    slope: float | None = None,
    intercept: float | None = None,
    window: tuple[float, float] | None = None,
    rows: int | None = None,
    spacing: tuple[float, float] | None = None,
) -> bytes:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = pydicom.Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Rows, ds.Columns = rows or pixels.shape[0], pixels.shape[1]
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, photometric
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit, ds.PixelRepresentation = 15, 0
    if slope is not None:
        ds.RescaleSlope, ds.RescaleIntercept = slope, intercept or 0
    if window is not None:
        ds.WindowCenter, ds.WindowWidth = window
    if spacing is not None:
        ds.PixelSpacing = list(spacing)
    ds.PixelData = pixels.astype(np.uint16).tobytes()
    ds.preamble = b"\0" * 128
    buf = io.BytesIO()
    pydicom.dcmwrite(buf, ds, enforce_file_format=True)
    return buf.getvalue()


RAMP = np.tile(np.arange(0, 4000, 40, dtype=np.uint16), (20, 1))  # 20 x 100, 0..3960


def test_sniffing_uses_magic_bytes_only() -> None:
    assert sniff_format(encode(np.zeros((4, 4), np.uint8))) == "png"
    assert sniff_format(encode(np.zeros((4, 4, 3), np.uint8), "JPEG")) == "jpeg"
    assert sniff_format(dicom_bytes(RAMP)) == "dicom"
    assert sniff_format(b"GIF89a" + b"\0" * 200) is None


def test_rejections_have_codes_and_statuses() -> None:
    expect_error(b"", "empty_body", 400)
    expect_error(encode(np.zeros((64, 64), np.uint8)), "image_too_large", 413, max_bytes=50)
    expect_error(b"hello, this is not an image" * 10, "unsupported_media_type", 415)
    expect_error(b"GIF89a" + bytes(300), "unsupported_media_type", 415)
    full = encode(np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8))
    expect_error(full[: len(full) // 2], "corrupt_image", 422)
    expect_error(b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "corrupt_image", 422)
    jpeg = encode(np.full((64, 64, 3), 128, np.uint8), "JPEG")
    expect_error(jpeg[:40], "corrupt_image", 422)


def test_decompression_bomb_is_refused_from_the_header() -> None:
    # 100k x 100k pixels claimed by a ~100 byte file: must be refused without decoding.
    expect_error(png_with_header(100_000, 100_000), "image_too_many_pixels", 413)
    expect_error(png_with_header(3000, 2000), "image_too_many_pixels", 413)  # over our 4 MP limit


def test_sixteen_bit_png_is_stretched_to_eight_bits() -> None:
    img, fmt = decode(encode(Image.fromarray(RAMP)))
    arr = np.asarray(img)
    assert fmt == "png" and img.mode == "L"
    assert arr.min() == 0 and arr.max() == 255
    assert np.all(np.diff(arr[0].astype(int)) >= 0)  # monotonic: order of intensities kept


def test_rgba_is_composited_on_black_and_palette_converted() -> None:
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., :3] = 200
    rgba[:4, :, 3] = 255  # top half opaque, bottom half transparent
    img, _ = decode(encode(rgba))
    arr = np.asarray(img)
    assert img.mode == "RGB" and arr[0, 0].tolist() == [200, 200, 200] and arr[7, 0].tolist() == [0, 0, 0]
    pal, _ = decode(encode(Image.fromarray(np.full((8, 8, 3), 50, np.uint8)).convert("P")))
    assert pal.mode == "RGB"


def test_grayscale_and_rgb_and_jpeg_pass_through() -> None:
    img, _ = decode(encode(np.full((5, 7), 9, np.uint8)))
    assert (img.mode, img.size) == ("L", (7, 5))
    img, fmt = decode(encode(np.full((5, 7, 3), 100, np.uint8), "JPEG"))
    assert (img.mode, img.size, fmt) == ("RGB", (7, 5), "jpeg")


def test_dicom_window_rescale_and_monochrome1() -> None:
    plain, fmt = decode(dicom_bytes(RAMP))
    arr = np.asarray(plain)
    assert fmt == "dicom" and plain.size == (100, 20)
    assert arr[0, 0] == 0 and arr[0, -1] == 255  # no window: min-max

    # slope 2, intercept -1000 -> values -1000..6920; window centre 0 width 2000 -> [-1000, 1000]
    windowed = np.asarray(decode(dicom_bytes(RAMP, slope=2, intercept=-1000, window=(0, 2000)))[0])
    assert windowed[0, 0] == 0
    assert windowed[0, 25] == 255  # raw 1000 -> 1000 HU, at the top of the window
    assert 100 < windowed[0, 12] < 155  # raw 480 -> -40, near the centre

    inverted = np.asarray(decode(dicom_bytes(RAMP, photometric="MONOCHROME1"))[0])
    assert inverted[0, 0] == 255 and inverted[0, -1] == 0


def test_dicom_corrupt_and_bomb() -> None:
    good = dicom_bytes(RAMP)
    expect_error(good[:-500], "corrupt_image", 422)  # pixel data cut short
    expect_error(dicom_bytes(RAMP, rows=50_000), "image_too_many_pixels", 413)
    expect_error(good[:140], "corrupt_image", 422)


def test_fuzzed_inputs_never_escape_as_other_exceptions() -> None:
    rng = random.Random(7)
    seeds = [
        encode(np.random.default_rng(1).integers(0, 255, (32, 32, 3), dtype=np.uint8)),
        encode(np.full((16, 16, 3), 90, np.uint8), "JPEG"),
        dicom_bytes(RAMP),
    ]
    for _ in range(300):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(8, len(data))] = rng.randrange(256)  # keep the magic, break the rest
        if rng.random() < 0.3:
            data = data[: rng.randrange(8, len(data))]
        try:
            img, _ = decode(bytes(data))
            assert img.mode in ("L", "RGB")
        except ImageError as exc:
            assert 400 <= exc.status < 500
