"""The int8 gate: int8 replaces a bundle file only where no metric drops by more than a point.

:func:`int8_gate_bundle` (``python -m ml.build_bundles --int8``, ``ml.train_cli --int8``) quantizes
each file (:func:`ml.quantize.quantize_file`), measures fp32 and int8 on a held-out split
(:func:`ml.onnx_eval.evaluate_file`) and keeps int8 only if none of :data:`GATED_METRICS` drops by
more than :data:`MAX_DROP` (1 point). Either way the decision is recorded in the provenance.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ml.demo_data import Split
from ml.onnx_eval import evaluate_file
from ml.onnx_feeds import files_of
from ml.quantize import int8_entry, int8_note, quantize_file, with_provenance
from qaid.bundle import Manifest, ModelEntry, read_manifest, sha256_file

__all__ = [
    "GATED_METRICS",
    "MAX_DROP",
    "Int8Decision",
    "apply_int8",
    "format_decisions",
    "gate_file",
    "int8_gate_bundle",
]

MAX_DROP = 0.01
# What the gate compares per file (evaluate_file also reports secondary numbers, recorded but not gated).
GATED_METRICS: tuple[str, ...] = (
    "filter_accuracy", "labeler_macro_f1", "segmentation_dice", "vqa_closed_accuracy", "vqa_open_accuracy",
)  # fmt: skip
_EPS = 1e-9  # 0.95 - 0.96 is -0.01000000000000001: a drop of exactly one point is still allowed


@dataclass(frozen=True)
class Int8Decision:
    """fp32 vs int8 metrics of one bundle file on the held-out split, and whether int8 replaces it."""

    file: str
    models: tuple[str, ...]
    fp32: dict[str, float]
    int8: dict[str, float]
    max_drop: float
    n_calibration: int
    calibration_source: str = "demo"

    @property
    def gated(self) -> list[str]:
        return [m for m in GATED_METRICS if m in self.fp32 and m in self.int8]

    @property
    def failed(self) -> list[str]:
        """The gated metrics that drop by more than ``max_drop`` (a metric turning NaN fails)."""
        out = []
        for m in self.gated:
            a, b = self.fp32[m], self.int8[m]
            if math.isnan(a) and math.isnan(b):
                continue
            if math.isnan(a) or math.isnan(b) or b - a < -self.max_drop - _EPS:
                out.append(m)
        return out

    @property
    def kept(self) -> bool:
        return bool(self.gated) and not self.failed

    def note(self) -> str:
        deltas = ", ".join(
            f"{m} {self.fp32[m]:.4f} -> {self.int8[m]:.4f} ({self.int8[m] - self.fp32[m]:+.4f})"
            for m in self.gated
        )
        verdict = "kept" if self.kept else f"rejected, fp32 kept ({', '.join(self.failed) or 'no metric'})"
        how = int8_note(self.n_calibration, self.calibration_source)
        return (
            f"int8 gate: {verdict}; {how}; ONNX Runtime on the held-out split "
            f"(max drop {self.max_drop:g} per metric): {deltas}"
        )

    def metrics(self) -> dict[str, float]:
        """Provenance metrics: both measurements (``onnx_fp32_*``, ``onnx_int8_*``) and ``int8_kept``."""
        return {
            **{f"onnx_fp32_{k}": v for k, v in self.fp32.items()},
            **{f"onnx_int8_{k}": v for k, v in self.int8.items()},
            "int8_kept": float(self.kept),
        }


def gate_file(
    fp32_path: Path,
    int8_path: Path,
    entries: Sequence[ModelEntry],
    calibration_split: Split,
    test_split: Split,
    *,
    max_drop: float = MAX_DROP,
    n_calibration: int = 96,
    seed: int = 0,
    calibration_source: str = "demo",
) -> Int8Decision:
    """Quantize one bundle file to ``int8_path`` and measure both versions on ``test_split``.

    ``calibration_source`` only labels the provenance note ("demo", "hospital val", ...).
    """
    quantize_file(fp32_path, int8_path, entries, calibration_split, n_calibration, seed)
    return Int8Decision(
        file=Path(fp32_path).name,
        models=tuple(e.name for e in entries),
        fp32=evaluate_file(fp32_path, entries, test_split),
        int8=evaluate_file(int8_path, entries, test_split),
        max_drop=max_drop,
        n_calibration=n_calibration,
        calibration_source=calibration_source,
    )


def apply_int8(bundle_dir: Path, results: dict[str, tuple[Int8Decision, Path]]) -> Manifest:
    """Rewrite bundle ``bundle_dir`` with the gate's results (file name -> (decision, int8 file)).

    Kept files are swapped for their int8 version (new hash, ``+int8`` version); every gated entry,
    kept or not, records the decision in its provenance notes and both measurements in its metrics.
    Files without a result are untouched. The bundle is replaced atomically
    (:func:`ml.bundle_writer.write_bundle`).
    """
    from ml.bundle_writer import write_bundle

    bundle_dir = Path(bundle_dir)
    manifest = read_manifest(bundle_dir)
    sources = {e.file: bundle_dir / e.file for e in manifest.models}
    models = []
    for e in manifest.models:
        if e.file not in results:
            models.append(e)
            continue
        decision, int8_path = results[e.file]
        if decision.kept:
            sources[e.file] = int8_path
            models.append(int8_entry(e, sha256_file(int8_path), decision.note(), decision.metrics()))
        else:
            models.append(with_provenance(e, decision.note(), decision.metrics()))
    out = manifest.model_copy(update={"models": models})
    write_bundle(bundle_dir, out, sources)
    return out


def int8_gate_bundle(
    bundle_dir: Path,
    calibration_split: Split,
    test_split: Split,
    *,
    files: Sequence[str] | None = None,
    max_drop: float = MAX_DROP,
    n_calibration: int = 96,
    seed: int = 0,
    calibration_source: str = "demo",
) -> list[Int8Decision]:
    """The gate on one bundle in place: each file (or only ``files``) quantized, measured, decided.

    A file becomes int8 only if none of its :data:`GATED_METRICS` drops by more than ``max_drop``
    on ``test_split``; otherwise it stays fp32. Either way the decision is in the provenance.
    """
    bundle_dir = Path(bundle_dir)
    groups = files_of(read_manifest(bundle_dir))
    unknown = set(files or ()) - set(groups)
    if unknown:
        raise ValueError(f"{bundle_dir}: no model file {sorted(unknown)} in the bundle")
    with tempfile.TemporaryDirectory(prefix="qaid-int8-") as tmp:
        results = {
            f: (
                gate_file(bundle_dir / f, Path(tmp) / f, entries, calibration_split, test_split,
                          max_drop=max_drop, n_calibration=n_calibration, seed=seed,
                          calibration_source=calibration_source),
                Path(tmp) / f,
            )
            for f, entries in groups.items()
            if files is None or f in files
        }  # fmt: skip
        apply_int8(bundle_dir, results)
    return [d for d, _ in results.values()]


def format_decisions(decisions: Iterable[Int8Decision]) -> str:
    """The gate as a small table: model, metric, fp32, int8, delta, kept?"""
    lines = [f"{'model':16s} {'metric':22s} {'fp32':>7s} {'int8':>7s} {'delta':>8s}  kept?"]
    for d in decisions:
        for k, m in enumerate(d.gated):
            name = "+".join(d.models) if k == 0 else ""
            a, b = d.fp32[m], d.int8[m]
            kept = ("yes" if d.kept else "no (fp32)") if k == 0 else ""
            lines.append(f"{name:16s} {m:22s} {a:7.4f} {b:7.4f} {b - a:+8.4f}  {kept}".rstrip())
    return "\n".join(lines)


def gate_cli_file(
    bundle: Path, data: dict[str, Split], file: str, demo: bool, max_drop: float, seed: int
) -> list[Int8Decision]:
    """``ml.train_cli --int8``: the gate on that run's ``file`` of ``bundle`` only (calibrated on its
    val split, measured on its test split), printed for the terminal."""
    cal = "val" if data["val"].images else "train"
    test = "test" if data["test"].images else "val"
    source = f"{'demo' if demo else 'hospital'} {cal}"
    decisions = int8_gate_bundle(bundle, data[cal], data[test], files=[file], max_drop=max_drop, seed=seed,
                                 calibration_source=source)  # fmt: skip
    print(f"int8 gate ({test} split; kept only if no metric drops > {max_drop:g}):")
    print(format_decisions(decisions))
    return decisions
