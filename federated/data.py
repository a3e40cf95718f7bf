"""Each hospital's local data folder: written once from the demo data set, read by its ClientApp.

A hospital folder holds ``train.npz`` and ``val.npz`` (its own non-IID share of the demo splits,
see :func:`ml.demo_data.partition`); the server folder holds ``test.npz``, a held-out set that no
hospital trains on (the synthetic test split). In a real federation a hospital writes the same two
files from its own images with :func:`write_split`, and nothing else leaves its machine.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ml.demo_data import DataConfig, Split, generate, partition
from ml.lesions import Finding
from qaid.bundle import DEFAULT_LABEL_TOPICS
from qaid.config import DEMO_HOSPITALS, HospitalSpec

SERVER_DIR = "_server"


def write_split(path: Path, split: Split, idx: list[int] | None = None) -> Path:
    """Write the images ``idx`` of ``split`` (all by default) to one ``.npz`` file."""
    idx = list(range(len(split.images))) if idx is None else idx
    arrays: dict[str, np.ndarray] = {"labels": np.asarray([split.labels[i] for i in idx], dtype=np.int64)}
    sides = []
    for k, i in enumerate(idx):
        arrays[f"image_{k}"] = split.images[i]
        finding = split.findings[i]
        if finding is not None:
            arrays[f"mask_{k}"] = finding.mask
        sides.append(None if finding is None else finding.sides)
    arrays["sides"] = np.asarray(json.dumps(sides))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, allow_pickle=False, **arrays)
    tmp.replace(path)
    return path


def read_split(path: Path) -> Split:
    with np.load(path) as z:
        labels = [int(v) for v in z["labels"]]
        sides = json.loads(str(z["sides"]))
        split = Split()
        for k, lab in enumerate(labels):
            split.images.append(z[f"image_{k}"])
            split.labels.append(lab)
            split.findings.append(None if sides[k] is None else Finding(z[f"mask_{k}"], list(sides[k])))
    return split


def load_local(data_dir: Path, splits: tuple[str, ...] = ("train", "val")) -> dict[str, Split]:
    """A hospital's folder -> {"train": ..., "val": ...} in the shape ``ml.train`` jobs expect."""
    data_dir = Path(data_dir)
    missing = [f"{n}.npz" for n in splits if not (data_dir / f"{n}.npz").is_file()]
    if missing:
        raise FileNotFoundError(f"{data_dir}: missing {missing} (see federated.data.prepare)")
    return {name: read_split(data_dir / f"{name}.npz") for name in splits}


def prepare(
    root: Path,
    seed: int = 0,
    scale: float = 1.0,
    hospitals: list[HospitalSpec] | None = None,
    alpha: float = 0.5,
) -> dict[str, dict[str, int]]:
    """Generate the demo data and write ``<root>/<hip>/{train,val}.npz`` and ``<root>/_server/test.npz``.

    The train and val splits are both partitioned with ``ml.demo_data.partition`` (same tilt towards
    the hospitals that offer a topic), so each hospital validates on data like its own.
    Returns the number of images per hospital and split. Idempotent for a given seed and scale.
    """
    hospitals = hospitals if hospitals is not None else DEMO_HOSPITALS
    cfg = DataConfig().scaled(scale) if scale != 1.0 else DataConfig()
    data = generate(cfg, seed)
    offers = {h.id: h.offers for h in hospitals}
    sizes: dict[str, dict[str, int]] = {}
    for name in ("train", "val"):
        parts = partition(data[name], offers, DEFAULT_LABEL_TOPICS, seed + (name == "val"), alpha)
        for hip, idx in parts.items():
            write_split(root / hip / f"{name}.npz", data[name], idx)
            sizes.setdefault(hip, {})[name] = len(idx)
    write_split(root / SERVER_DIR / "test.npz", data["test"])
    sizes[SERVER_DIR] = {"test": len(data["test"].images)}
    (root / "partition.json").write_text(json.dumps({"seed": seed, "scale": scale, "sizes": sizes}, indent=2))
    return sizes


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(description="Write each demo hospital's local data folder.")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--scale", type=float, default=1.0)
    args = p.parse_args(argv)
    print(json.dumps(prepare(args.out, args.seed, args.scale), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
