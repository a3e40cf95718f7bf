"""Hypothesis strategies for hostile image files, each drawn as ``(category, bytes)``.

Categories: valid images of every mode the decoders meet (16-bit, palette, alpha, 1-bit, CMYK and
progressive JPEG, animated PNG); decompression bombs (PNG/JPEG headers declaring huge sizes, a
deflated DICOM of zeros, a DICOM JPEG frame larger than its Rows/Columns); truncated and bit-flipped
files; polyglots (PNG+ZIP, JPEG+HTML, DICOM whose preamble is a PNG); random bytes with and without a
valid magic; DICOM with odd transfer syntaxes (implicit, big-endian, deflate, RLE, JPEG, JPEG-LS,
JPEG 2000, unknown), missing pixel data, wrong bits allocated, odd photometrics, multi-frame,
out-of-range rescale/window values.
"""

from __future__ import annotations

import functools
import io
import struct
import time
import tracemalloc
import zlib
from typing import Any

import numpy as np
import pydicom
from hypothesis import strategies as st
from PIL import Image
from pydicom import uid
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset

from hub.images import check_upload
from qaid.errors import EmptyInput, TooLarge, UnsupportedType
from qaid.imaging import ImageError, decode_image, sniff_format

Drawn = tuple[str, bytes]
HUGE = st.integers(1, 2**31 - 1)
ZIP_TAIL = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 16 + b"payload.exe" + b"MZ\x90\x00" * 8
HTML_TAIL = b"<html><script>alert(document.cookie)</script></html>"


def _encode(img: Image.Image, fmt: str, **options: Any) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **options)
    return buf.getvalue()


@st.composite
def raster(draw: st.DrawFn) -> bytes:
    """A valid PNG or JPEG in one of the modes the decoder has to normalise."""
    w, h = draw(st.integers(1, 48)), draw(st.integers(1, 48))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()):  # JPEG: grey, RGB or CMYK; baseline or progressive
        mode = draw(st.sampled_from(["L", "RGB", "CMYK"]))
        arr = rng.integers(0, 256, (h, w, len(mode)) if mode != "L" else (h, w), dtype=np.uint8)
        return _encode(Image.fromarray(arr, mode), "JPEG", progressive=draw(st.booleans()))
    mode = draw(st.sampled_from(["L", "RGB", "RGBA", "LA", "P", "P+t", "I;16", "1", "apng"]))
    if mode == "I;16":
        img = Image.fromarray(rng.integers(0, 65536, (h, w), dtype=np.uint16))
    elif mode in ("P", "P+t"):
        img = Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).convert("P")
        if mode == "P+t":
            img.info["transparency"] = 0
    elif mode == "apng":
        frames = [Image.fromarray(rng.integers(0, 256, (h, w), dtype=np.uint8)) for _ in range(3)]
        return _encode(frames[0], "PNG", save_all=True, append_images=frames[1:])
    else:
        img = Image.fromarray(rng.integers(0, 256, (h, w, 4), dtype=np.uint8), "RGBA").convert(mode)
    return _encode(img, "PNG")


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@st.composite
def png_bomb(draw: st.DrawFn) -> bytes:
    """A PNG whose IHDR declares up to 2^31 x 2^31 pixels, with a tiny or highly compressed IDAT."""
    w, h = draw(HUGE), draw(HUGE)
    depth, colour = draw(st.sampled_from([(8, 0), (16, 0), (8, 2), (8, 6), (1, 0), (8, 3)]))
    ihdr = struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0, draw(st.sampled_from([0, 1])))
    idat = zlib.compress(b"\0" * draw(st.sampled_from([64, 1 << 20])), 9)
    plte = _png_chunk(b"PLTE", b"\0\0\0" * 4) if colour == 3 else b""
    chunks = _png_chunk(b"IHDR", ihdr) + plte + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


@st.composite
def jpeg_bomb(draw: st.DrawFn) -> bytes:
    """A small real JPEG whose SOF header is patched to declare up to 65535 x 65535 pixels."""
    data = bytearray(_encode(Image.new(draw(st.sampled_from(["L", "RGB"])), (16, 16), 90), "JPEG"))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", draw(st.integers(0, 65535)), draw(st.integers(0, 65535)))
    return bytes(data)


# --- DICOM --------------------------------------------------------------------------------------

NATIVE = [uid.ImplicitVRLittleEndian, uid.ExplicitVRLittleEndian, uid.ExplicitVRBigEndian]
ENCAPSULATED = [uid.JPEGBaseline8Bit, uid.JPEGLSLossless, uid.JPEG2000Lossless, uid.JPEGLosslessSV1]
PHOTOMETRICS = ["MONOCHROME2", "MONOCHROME1", "RGB", "PALETTE COLOR", "YBR_FULL", "CMYK", "??"]


def _dataset(ts: str, rows: int, cols: int, samples: int, bits: int, photometric: str) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    meta.MediaStorageSOPInstanceUID = "1.2.826.0.1.3680043.8.498.1"  # fixed: generation must be reproducible
    meta.TransferSyntaxUID = ts
    ds = Dataset()
    ds.file_meta, ds.preamble = meta, b"\0" * 128
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = rows, cols, samples, photometric
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = bits, bits, bits - 1, 0
    if samples > 1:
        ds.PlanarConfiguration = 0
    return ds


def _write(ds: Dataset) -> bytes:
    buf = io.BytesIO()
    ts = ds.file_meta.TransferSyntaxUID
    little, implicit = ts != uid.ExplicitVRBigEndian, ts == uid.ImplicitVRLittleEndian
    pydicom.dcmwrite(buf, ds, implicit_vr=implicit, little_endian=little, enforce_file_format=True)
    return buf.getvalue()


@st.composite
def valid_dicom(draw: st.DrawFn) -> bytes:
    """A consistent DICOM the HIP must decode: native (implicit, explicit, big-endian), deflated or RLE;
    8/16-bit grey (MONOCHROME1/2, rescale, window) or RGB; one to three frames."""
    rows, cols, frames = draw(st.integers(1, 24)), draw(st.integers(1, 24)), draw(st.integers(1, 3))
    samples, bits = draw(st.sampled_from([1, 3])), draw(st.sampled_from([8, 16]))
    grey = draw(st.sampled_from(["MONOCHROME2", "MONOCHROME1"]))
    ts = draw(st.sampled_from([*NATIVE, uid.DeflatedExplicitVRLittleEndian, uid.RLELossless]))
    ds = _dataset(uid.ExplicitVRLittleEndian, rows, cols, samples, bits, grey if samples == 1 else "RGB")
    if frames > 1:
        ds.NumberOfFrames = frames
    if samples == 1 and draw(st.booleans()):
        ds.RescaleSlope, ds.RescaleIntercept = draw(st.sampled_from(["1", "-2.5", "0.001"])), "-1024"
        ds.WindowCenter, ds.WindowWidth = draw(st.sampled_from([("40", "400"), ("0", "0"), ("1", "-5")]))
    size = rows * cols * samples * frames * bits // 8
    ds.PixelData = (draw(st.binary(min_size=1, max_size=64)) * size)[:size].ljust(size + size % 2, b"\0")
    if ts == uid.RLELossless:
        ds.compress(uid.RLELossless, encoding_plugin="pydicom", generate_instance_uid=False)  # reproducible
    else:
        ds.file_meta.TransferSyntaxUID = ts
    return _write(ds)


@st.composite
def dicom(draw: st.DrawFn) -> bytes:
    """A DICOM file with drawn, mostly inconsistent header values and pixel data."""
    rows, cols = draw(st.integers(1, 24)), draw(st.integers(1, 24))
    samples, bits = draw(st.sampled_from([1, 3, 4])), draw(st.sampled_from([1, 8, 12, 16, 32, 64]))
    frames = draw(st.integers(1, 3))
    ts = draw(st.sampled_from([*NATIVE, uid.DeflatedExplicitVRLittleEndian, uid.RLELossless, *ENCAPSULATED]))
    ds = _dataset(ts, rows, cols, samples, bits, draw(st.sampled_from(PHOTOMETRICS)))
    if frames > 1 or draw(st.booleans()):
        ds.NumberOfFrames = draw(st.sampled_from([frames, 0, 2**31 - 1]))
    if draw(st.booleans()):  # lie about the size in the header
        ds.Rows, ds.Columns = draw(st.sampled_from([rows, 0, 65535])), draw(st.sampled_from([cols, 65535]))
    if draw(st.booleans()):
        ds.RescaleSlope, ds.RescaleIntercept = draw(st.sampled_from(["1", "0", "-2.5", "1e308"])), "-1024"
    if draw(st.booleans()):
        window = draw(st.sampled_from([("40", "400"), ("nan", "1e400"), ("1", "-5")]))
        ds.WindowCenter, ds.WindowWidth = window
    size = rows * cols * samples * frames * max(bits // 8, 1)
    pixels = draw(st.binary(min_size=0, max_size=64)) * (size // 64 + 1)
    pixels = pixels[: draw(st.sampled_from([size, size // 2, size + 7]))]
    choice = draw(st.sampled_from(["native", "native", "missing", "float"]))
    if choice == "float":
        ds.FloatPixelData = pixels[: len(pixels) // 4 * 4]
    elif choice == "native" and ts in ENCAPSULATED and draw(st.booleans()):
        ds.PixelData = encapsulate([_encode(Image.new("L", (cols, rows), 80), "JPEG")])  # a real JPEG frame
    elif choice == "native":
        ds.PixelData = pixels + (b"\0" if len(pixels) % 2 else b"")
    if ts in ENCAPSULATED + [uid.RLELossless] and "PixelData" in ds:
        if not ds["PixelData"].is_undefined_length:  # native bytes under a compressed syntax
            ds.PixelData = encapsulate([bytes(ds.PixelData) or b"\0\0"])
        ds["PixelData"].VR = "OB"
    return _write(ds)


@functools.cache
def deflate_bomb(inflated_mb: int) -> bytes:
    """A deflated DICOM whose dataset inflates to ``inflated_mb`` MB (zeros in a private element after
    the pixels): a few hundred kB on the wire. Streamed, so building it never holds the zeros."""
    ds = _dataset(uid.DeflatedExplicitVRLittleEndian, 8, 8, 1, 8, "MONOCHROME2")
    ds.PixelData = b"\0" * 64
    head = _write(ds)
    body = DicomBytesIO()
    body.is_little_endian, body.is_implicit_VR = True, False
    write_dataset(body, ds)  # the dataset alone, explicit VR little endian (what gets deflated)
    start = head.index(b"DICM") + 4
    meta_len = 12 + struct.unpack("<I", head[start + 8 : start + 12])[0]
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    size = inflated_mb << 20
    out = [head[: start + meta_len], deflater.compress(body.getvalue())]
    out.append(deflater.compress(struct.pack("<HH2sHI", 0x7FE1, 0x1010, b"OB", 0, size)))
    chunk = b"\0" * (1 << 20)
    out += [deflater.compress(chunk) for _ in range(inflated_mb)]
    return b"".join([*out, deflater.flush()])


@st.composite
def dicom_bomb(draw: st.DrawFn) -> bytes:
    """A deflated DICOM of zeros (small upload, huge dataset) or a JPEG frame larger than Rows/Columns."""
    if draw(st.booleans()):
        return deflate_bomb(draw(st.sampled_from([3, 64, 256, 512])))
    ds = _dataset(uid.JPEGBaseline8Bit, 16, 16, 1, 8, "MONOCHROME2")
    ds.PixelData = encapsulate([draw(jpeg_bomb())])
    ds["PixelData"].VR = "OB"
    return _write(ds)


# --- Mutations and the whole mix ----------------------------------------------------------------


@st.composite
def truncated(draw: st.DrawFn, base: st.SearchStrategy[bytes]) -> bytes:
    data = draw(base)
    return data[: draw(st.integers(0, max(len(data) - 1, 0)))]


@st.composite
def bit_flipped(draw: st.DrawFn, base: st.SearchStrategy[bytes]) -> bytes:
    data = bytearray(draw(base))
    for _ in range(draw(st.integers(1, 8))):
        i = draw(st.integers(0, len(data) - 1))
        data[i] = draw(st.integers(0, 255))
    return bytes(data)


@st.composite
def polyglot(draw: st.DrawFn) -> bytes:
    """A valid image with a ZIP, HTML or random tail; HTML behind a PNG magic; a DICOM whose preamble
    is a PNG (sniffed as the PNG, so hub and HIP must agree on that)."""
    kind = draw(st.sampled_from(["tail", "tail", "html+png-magic", "dicom-preamble-png"]))
    if kind == "tail":
        tail = draw(st.one_of(st.just(ZIP_TAIL), st.just(HTML_TAIL), st.binary(min_size=1, max_size=256)))
        return draw(st.one_of(raster(), valid_dicom())) + tail
    if kind == "html+png-magic":
        return b"\x89PNG\r\n\x1a\n" + HTML_TAIL + draw(st.binary(max_size=64))
    ds = _dataset(uid.ExplicitVRLittleEndian, 4, 4, 1, 8, "MONOCHROME2")
    ds.PixelData = bytes(range(16))
    data = bytearray(_write(ds))
    side = draw(st.integers(1, 3))
    png = _encode(Image.new("L", (side, side), draw(st.integers(0, 255))), "PNG")
    data[:128] = png.ljust(128, b"\0")[:128]
    return bytes(data)


MAGIC = st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"\0" * 128 + b"DICM", b""])
VALID = st.one_of(raster(), valid_dicom())


def hostile() -> st.SearchStrategy[Drawn]:
    """Every category, labelled."""
    labelled = {
        "valid raster": raster(),
        "valid dicom": valid_dicom(),
        "odd dicom": dicom(),
        "png bomb": png_bomb(),
        "jpeg bomb": jpeg_bomb(),
        "dicom bomb": dicom_bomb(),
        "truncated": truncated(VALID),
        "bit-flipped": bit_flipped(VALID),
        "polyglot": polyglot(),
        "random bytes": st.binary(max_size=512),
        "magic + random": st.builds(lambda m, b: m + b, MAGIC, st.binary(max_size=512)),
    }
    return st.one_of([s.map(lambda data, name=name: (name, data)) for name, s in labelled.items()])


# --- The property -------------------------------------------------------------------------------

LIMITS = {"max_bytes": 2_000_000, "max_pixels": 1_000_000}
# A runaway guard, not a speed bar: CPU seconds of this thread (load on the machine cannot trip it;
# tracemalloc slows decoding several-fold). Speed is measured in bench/fuzz_images.py.
MAX_CPU_SECONDS = 10.0
MAX_TRACED_MB = 100  # Python and numpy allocations while decoding one file (a 1 Mpx image needs ~30)
ERRORS = {
    ("empty_body", 400),
    ("image_too_large", 413),
    ("image_too_many_pixels", 413),
    ("unsupported_media_type", 415),
    ("corrupt_image", 422),
}


def outcome(category: str, data: bytes) -> str:
    """Take ``data`` through the hub's upload check and the HIP's decoder; the outcome's label.

    Raises AssertionError when a property fails (or lets an unexpected exception out): the hub
    answers a 4xx or a media type, exactly when the HIP sniffs a format; the HIP returns a loaded
    8-bit "L"/"RGB" image within the pixel limit or one ImageError with a known code and status,
    within MAX_CPU_SECONDS and MAX_TRACED_MB; a valid image always decodes.
    """
    try:
        media_type: str | None = check_upload(data, LIMITS["max_bytes"])
    except (EmptyInput, TooLarge, UnsupportedType):  # the hub answers 400, 413, 415
        media_type = None
    assert (media_type is not None) == (sniff_format(data) is not None), "hub and HIP disagree on the format"

    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    start = time.thread_time()
    try:
        image = decode_image(data, **LIMITS)
        label = f"decoded {sniff_format(data)}"
    except ImageError as exc:
        assert (exc.code, exc.status) in ERRORS, (exc.code, exc.status)
        image, label = None, f"{exc.status} {exc.code}"
    finally:
        seconds, peak = time.thread_time() - start, tracemalloc.get_traced_memory()[1]
        if not tracing:
            tracemalloc.stop()
    assert seconds < MAX_CPU_SECONDS, f"{category}: {seconds:.1f} CPU s"
    assert peak < MAX_TRACED_MB << 20, f"{category}: {peak >> 20} MB traced while decoding"
    if image is not None:
        assert image.mode in ("L", "RGB") and 0 < image.width * image.height <= LIMITS["max_pixels"]
        assert np.asarray(image).shape[:2] == (image.height, image.width)  # loaded, consistent
    elif category.startswith("valid"):
        raise AssertionError(f"a valid image was refused: {label}")
    return label
