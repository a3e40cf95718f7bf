"""Shared fixtures: one small generated data set and one quick bundle build per test session."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ml.demo_data import DataConfig, Split, generate


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread() -> None:
    """The tests' tensors are tiny: two intra-op threads on 2 shared cores only wait for each other
    (measured 8x slower under load), so every ml test runs torch single-threaded."""
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def small_data() -> dict[str, Split]:
    return generate(DataConfig().scaled(0.06), seed=3)


@pytest.fixture(scope="session")
def quick_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    from ml.build_bundles import build

    out = tmp_path_factory.mktemp("bundles")
    return out, build(out, seed=1, quick=True)


# --- Small same-format samples of the data sets hospitals have (the loaders' inputs) ------------


def _lesion_image(rng: np.random.Generator, size: int, col: int | None) -> tuple[np.ndarray, np.ndarray]:
    """A grey RGB 'slice' and its mask: a bright disc centred at column ``col`` (None: no lesion)."""
    yy, xx = np.mgrid[:size, :size]
    img = (60 + rng.normal(0, 5, (size, size))).clip(0, 255)
    mask = np.zeros((size, size), dtype=bool)
    if col is not None:
        mask = (yy - size // 2) ** 2 + (xx - col) ** 2 < (size // 6) ** 2
        img[mask] = 220
    return np.repeat(img.astype(np.uint8)[..., None], 3, axis=2), mask


@pytest.fixture(scope="session")
def image_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ImageFolder layout with MURA-style and alias folder names; classes differ visibly."""
    root = tmp_path_factory.mktemp("imagefolder")
    rng = np.random.default_rng(0)
    looks = {"brain": (200, 0), "XR_WRIST": (40, 1), "non_medical": (120, 2)}
    for folder, (level, kind) in looks.items():
        (root / folder).mkdir()
        for k in range(8):
            a = np.full((40, 40), level, dtype=np.uint8) + rng.integers(0, 20, (40, 40), dtype=np.uint8)
            if kind == 2:  # colour photo-like
                a = np.stack([a, 255 - a, a // 2], axis=2)
            Image.fromarray(a).save(root / folder / f"img{k}.{'jpg' if k % 2 else 'png'}")
    return root


@pytest.fixture(scope="session")
def lgg_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Kaggle lgg-mri-segmentation layout: 4 patients, slices _1.._10 (numeric order != name order)."""
    import tifffile

    root = tmp_path_factory.mktemp("lgg") / "kaggle_3m"
    rng = np.random.default_rng(1)
    for p in range(4):
        pid = f"TCGA_CS_{4941 + p}_19960909"
        (root / pid).mkdir(parents=True)
        for n in (1, 2, 10):
            col = None if n == 1 else (12 if (p + n) % 2 else 36)  # image left (patient right) or right
            img, mask = _lesion_image(rng, 48, col)
            tifffile.imwrite(root / pid / f"{pid}_{n}.tif", img)
            tifffile.imwrite(root / pid / f"{pid}_{n}_mask.tif", mask.astype(np.uint8) * 255)
    (root / "data.csv").write_text("Patient,death01\n")  # present in the real data set; ignored
    return root


VQA_RAD_ROWS = [
    # image, question, answer, answer_type, phrase_type
    ("synpic1.jpg", "Is there a lesion?", "Yes", "CLOSED", "freeform"),
    ("synpic1.jpg", "Which side is the lesion on?", "left.", "OPEN", "freeform"),
    ("synpic2.jpg", "Is there a lesion?", "no", "CLOSED", "freeform"),
    ("synpic2.jpg", "How many lesions?", 0, "OPEN", "para"),
    ("synpic3.jpg", "Is there a lesion?", "yes", "CLOSED", "freeform"),
    ("synpic3.jpg", "Which side is the lesion on?", "Right", "OPEN", "freeform"),
    ("synpic4.jpg", "Is the scan abnormal?", "yes", "CLOSED ", "freeform"),
    ("synpic5.jpg", "Is there a lesion?", "no", "CLOSED", "freeform"),
    ("synpic6.jpg", "Is this normal?", "no", "CLOSED", "para"),
    ("synpic7.jpg", "What organ is shown?", "brain", "OPEN", "test_freeform"),
    ("synpic7.jpg", "Is there a lesion?", "yes", "CLOSED", "test_para"),
    ("synpic8.jpg", "What is the mass called?", "glioma", "OPEN", "test_freeform"),
]


@pytest.fixture(scope="session")
def vqa_rad_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """VQA-RAD layout: ``VQA_RAD Dataset Public.json`` + ``VQA_RAD Image Folder/synpic*.jpg``."""
    root = tmp_path_factory.mktemp("vqarad")
    images = root / "VQA_RAD Image Folder"
    images.mkdir()
    rng = np.random.default_rng(2)
    records = []
    for k, (name, q, a, kind, phrase) in enumerate(VQA_RAD_ROWS):
        if not (images / name).exists():
            Image.fromarray(_lesion_image(rng, 40, 10 + 3 * k)[0]).save(images / name)
        records.append({"qid": k, "image_name": name, "image_organ": "HEAD", "question": q, "answer": a,
                        "answer_type": kind, "question_type": "PRES", "phrase_type": phrase})  # fmt: skip
    (root / "VQA_RAD Dataset Public.json").write_text(json.dumps(records))
    return root
