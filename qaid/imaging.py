"""Turning a decoded image into a model input: the one preprocessing training and serving share.

Decoding untrusted bytes (sniffing, DICOM, limits) lives beside this in the same module so that a
HIP and the training pipeline cannot drift apart on how pixels become tensors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np
from PIL import Image

from qaid.bundle import InputSpec
from qaid_contracts.vocabulary import ImageFormat

if TYPE_CHECKING:
    from pydicom import Dataset


def to_input(image: Image.Image, spec: InputSpec) -> np.ndarray:
    """PIL image -> float32 array (channels, size, size), resized bilinearly and normalised per channel."""
    mode = "L" if spec.channels == 1 else "RGB"
    img = image.convert(mode).resize((spec.size, spec.size), Image.Resampling.BILINEAR)
    arr = np.asarray(img, dtype=np.float32) / 255.0
    arr = arr[None, :, :] if spec.channels == 1 else arr.transpose(2, 0, 1)
    mean = np.asarray(spec.mean, dtype=np.float32)[:, None, None]
    std = np.asarray(spec.std, dtype=np.float32)[:, None, None]
    return np.ascontiguousarray((arr - mean) / std, dtype=np.float32)


# --- Decoding untrusted bytes -------------------------------------------------------------------
#
# Everything below turns bytes from the outside world into a PIL image or a typed ImageError. The
# format is sniffed from magic bytes only (names and Content-Type headers lie), the pixel count is
# checked from the header BEFORE any pixel is decoded (decompression bombs), and every decoder
# failure is mapped to an error code a service can return as a 4xx.

FORMAT_PNG: Final = "png"
FORMAT_JPEG: Final = "jpeg"
FORMAT_DICOM: Final = "dicom"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"


class ImageError(Exception):
    """A rejected image: ``code`` is machine readable, ``status`` the HTTP status a service should use."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def sniff_format(data: bytes) -> ImageFormat | None:
    """The image format from magic bytes alone: PNG, JPEG or DICOM (``DICM`` at offset 128)."""
    if data.startswith(_PNG_MAGIC):
        return FORMAT_PNG
    if data.startswith(_JPEG_MAGIC):
        return FORMAT_JPEG
    if len(data) >= 132 and data[128:132] == b"DICM":
        return FORMAT_DICOM
    return None


# The media type of each format (the hub's image store and the FHIR Attachment both name it so).
MEDIA_TYPES: dict[str, str] = {
    FORMAT_PNG: "image/png",
    FORMAT_JPEG: "image/jpeg",
    FORMAT_DICOM: "application/dicom",
}


def media_type(data: bytes) -> str | None:
    """The media type of ``data`` from its magic bytes (:func:`sniff_format`), or None."""
    return MEDIA_TYPES.get(sniff_format(data) or "")


def decode_image(data: bytes, *, max_bytes: int, max_pixels: int) -> Image.Image:
    """Untrusted bytes -> 8-bit "L" or "RGB" image, or :class:`ImageError` (format: :func:`sniff_format`).

    The returned image is fully loaded (no lazy file handle) and normalised to 8 bits so that
    everything downstream (``to_input``, overlays) sees one of two modes only.
    """
    if not data:
        raise ImageError("empty_body", "The request body is empty; send the image bytes.", 400)
    if len(data) > max_bytes:
        raise ImageError(
            "image_too_large",
            f"The image is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB.",
            413,
        )
    fmt = sniff_format(data)
    if fmt is None:
        raise ImageError("unsupported_media_type", "The body is not a PNG, JPEG or DICOM image.", 415)
    try:
        if fmt == FORMAT_DICOM:
            return _decode_dicom(data, max_bytes, max_pixels)
        return _decode_raster(data, max_pixels)
    except ImageError:
        raise
    except Exception as exc:  # last line of defence: a decoder bug on hostile input is still a 4xx
        raise ImageError("corrupt_image", "The image cannot be decoded.", 422) from exc


def _too_many_pixels(width: int, height: int, max_pixels: int) -> ImageError:
    return ImageError(
        "image_too_many_pixels",
        f"The image is {width}x{height} pixels; the limit is {max_pixels} pixels.",
        413,
    )


def _decode_raster(data: bytes, max_pixels: int) -> Image.Image:
    import io
    import warnings

    try:
        with warnings.catch_warnings():
            # Our own max_pixels check below is the limit; PIL's global one only adds noise/errors.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))  # reads the header only
            width, height = img.size
            if width <= 0 or height <= 0:
                raise ImageError("corrupt_image", "The image has no pixels.", 422)
            if width * height > max_pixels:
                raise _too_many_pixels(width, height, max_pixels)
            img.load()
    except ImageError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageError("image_too_many_pixels", f"The image has too many pixels: {exc}", 413) from exc
    except Exception as exc:  # PIL plugins raise OSError, SyntaxError, struct.error, ...: all bad input
        message = "The image is truncated or corrupt and cannot be decoded."
        raise ImageError("corrupt_image", message, 422) from exc
    return _to_8bit(img)


def _to_8bit(img: Image.Image) -> Image.Image:
    """Any PIL mode -> "L" or "RGB" (16-bit and float stretched min-max, alpha composited on black)."""
    if img.mode in ("L", "RGB"):
        return img
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        return Image.fromarray(_stretch(np.asarray(img, dtype=np.float64)))
    if img.mode == "1":
        return img.convert("L")
    if img.mode in ("LA", "La"):
        rgba = img.convert("RGBA")
        return _composite_on_black(rgba).convert("L")
    if img.mode == "P" and "transparency" not in img.info:
        return img.convert("RGB")
    return _composite_on_black(img.convert("RGBA"))


def _composite_on_black(rgba: Image.Image) -> Image.Image:
    # Medical images have black backgrounds; white would invent a bright "structure" at the edges.
    background = Image.new("RGB", rgba.size, (0, 0, 0))
    background.paste(rgba.convert("RGB"), mask=rgba.getchannel("A"))
    return background


def _stretch(arr: np.ndarray, lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """Linear map [lo, hi] (default: the data's min and max) -> uint8 0..255, clipped."""
    finite = arr[np.isfinite(arr)]
    if lo is None:
        lo = float(finite.min()) if finite.size else 0.0
    if hi is None:
        hi = float(finite.max()) if finite.size else 0.0
    if hi <= lo:
        return np.zeros(arr.shape, dtype=np.uint8)
    scaled = (np.nan_to_num(arr, nan=lo) - lo) * (255.0 / (hi - lo))
    return np.clip(scaled, 0, 255).astype(np.uint8)


def _first(value: object) -> float:
    """DICOM multi-valued numbers (window centre/width) -> the first value."""
    try:
        return float(value[0])  # type: ignore[index]
    except TypeError:
        return float(value)  # type: ignore[arg-type]


# Transfer syntaxes decoded with sizes from Rows/Columns alone (native, deflate, RLE), and those whose
# frames carry a header of their own (JPEG, JPEG 2000: decoded by Pillow) that is checked first. Others
# (JPEG-LS, JPEG lossless, ...) would need decoders whose allocations nothing here can bound: 415.
_SIZED_BY_HEADER = (
    "1.2.840.10008.1.2",  # implicit VR little endian
    "1.2.840.10008.1.2.1",  # explicit VR little endian
    "1.2.840.10008.1.2.2",  # explicit VR big endian
    "1.2.840.10008.1.2.1.99",  # deflated explicit VR little endian (inflated size bounded first)
    "1.2.840.10008.1.2.5",  # RLE lossless
)
_FRAME_HEADERS = (
    "1.2.840.10008.1.2.4.50",  # JPEG baseline
    "1.2.840.10008.1.2.4.51",  # JPEG extended
    "1.2.840.10008.1.2.4.90",  # JPEG 2000 lossless
    "1.2.840.10008.1.2.4.91",  # JPEG 2000
)
_DEFLATED = "1.2.840.10008.1.2.1.99"
_UNSUPPORTED_SYNTAX = (
    "The DICOM transfer syntax (compression) is not supported; send uncompressed, RLE, JPEG or JPEG 2000 "
    "DICOM, or PNG."
)


def _check_inflated_size(data: bytes, max_bytes: int) -> None:
    """pydicom inflates a deflated dataset in one go: a few hundred kB can inflate to gigabytes, so the
    inflated size is measured first, never holding more than ``max_bytes`` of it."""
    import io
    import zlib

    from pydicom.filereader import _read_file_meta_info, read_preamble

    fp = io.BytesIO(data)
    read_preamble(fp, False)
    if str(_read_file_meta_info(fp).get("TransferSyntaxUID", "")) != _DEFLATED:
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    inflater.decompress(data[fp.tell() :], max_bytes)
    if inflater.unconsumed_tail:
        raise ImageError(
            "image_too_large", f"The deflated DICOM inflates to more than {max_bytes / 1e6:.1f} MB.", 413
        )


def check_dicom_inflation(data: bytes, max_bytes: int) -> None:
    """ImageError (413) when a deflated DICOM inflates past ``max_bytes`` (see ``_check_inflated_size``)."""
    _check_inflated_size(data, max_bytes)


def _check_first_frame(ds: Dataset, rows: int, cols: int, frames: int) -> None:
    """A JPEG or JPEG 2000 frame declares its own size, and that is what its decoder allocates: a few
    bytes inside a 16 x 16 DICOM can declare 65535 x 65535 pixels. It must be Columns x Rows."""
    import io

    from pydicom.encaps import get_frame

    frame = get_frame(ds.PixelData, 0, number_of_frames=frames)
    try:
        with Image.open(io.BytesIO(frame), formats=["JPEG", "JPEG2000"]) as img:  # the header only
            size = img.size
    except Exception as exc:
        raise ImageError("corrupt_image", "The compressed DICOM frame cannot be read.", 422) from exc
    if size != (cols, rows):
        message = f"The compressed DICOM frame is {size[0]}x{size[1]} pixels, not the declared {cols}x{rows}."
        raise ImageError("corrupt_image", message, 422)


def _decode_dicom(data: bytes, max_bytes: int, max_pixels: int) -> Image.Image:
    import io

    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        _check_inflated_size(data, max_bytes)
        ds = pydicom.dcmread(io.BytesIO(data))
    except ImageError:
        raise
    except (InvalidDicomError, Exception) as exc:  # pydicom's parse errors have no common base
        raise ImageError("corrupt_image", "The DICOM file is truncated or corrupt.", 422) from exc
    rows, cols = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
    if rows <= 0 or cols <= 0 or "PixelData" not in ds:
        raise ImageError("corrupt_image", "The DICOM file has no image (no pixel data).", 422)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if rows * cols * max(frames, 1) > max_pixels:
        raise _too_many_pixels(cols, rows, max_pixels)
    syntax = str(ds.file_meta.get("TransferSyntaxUID", "1.2.840.10008.1.2"))
    if syntax in _FRAME_HEADERS:
        _check_first_frame(ds, rows, cols, max(frames, 1))
    elif syntax not in _SIZED_BY_HEADER:
        raise ImageError("unsupported_media_type", _UNSUPPORTED_SYNTAX, 415)
    try:
        ds.pixel_array_options(index=0)  # the first frame only, the way most viewers open a series
        arr = ds.pixel_array
    except (NotImplementedError, RuntimeError) as exc:
        raise ImageError("unsupported_media_type", _UNSUPPORTED_SYNTAX, 415) from exc
    except Exception as exc:  # pydicom raises many types for bad pixel data; all are the sender's fault
        raise ImageError("corrupt_image", "The DICOM pixel data is truncated or corrupt.", 422) from exc
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    if samples == 3 and arr.ndim == 3:
        if arr.dtype != np.uint8:
            arr = _stretch(arr.astype(np.float64))
        return Image.fromarray(np.ascontiguousarray(arr, dtype=np.uint8))
    if arr.ndim != 2:
        raise ImageError("corrupt_image", "The DICOM pixel data has an unexpected shape.", 422)
    pixels = arr.astype(np.float64) * float(ds.get("RescaleSlope", 1) or 1) + float(
        ds.get("RescaleIntercept", 0) or 0
    )
    center, width = ds.get("WindowCenter"), ds.get("WindowWidth")
    if center is not None and width is not None and _first(width) > 0:
        c, w = _first(center), _first(width)
        out = _stretch(pixels, c - w / 2.0, c + w / 2.0)
    else:
        out = _stretch(pixels)
    if str(ds.get("PhotometricInterpretation", "")).upper() == "MONOCHROME1":
        out = 255 - out  # MONOCHROME1: low values are white
    img = Image.fromarray(out)
    spacing = _pixel_spacing(ds)
    if spacing is not None:  # lets a HIP state areas in cm² instead of a share of the image
        img.info["pixel_spacing_mm"] = spacing
    return img


def _pixel_spacing(ds: Dataset) -> tuple[float, float] | None:
    """(row, column) spacing in mm from PixelSpacing (or the detector's ImagerPixelSpacing), if sane."""
    value = ds.get("PixelSpacing") or ds.get("ImagerPixelSpacing")
    try:
        row, col = float(value[0]), float(value[1])
    except (TypeError, ValueError, IndexError):
        return None
    return (row, col) if 0.001 <= row <= 10 and 0.001 <= col <= 10 else None
