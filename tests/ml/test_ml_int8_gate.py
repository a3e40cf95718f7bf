"""The int8 gate (ml.int8_gate.int8_gate_bundle, ``--int8`` of the bundle build and the training CLI).

int8 replaces a model's file only if none of its metrics drops by more than the threshold; the
decision and both measurements land in the provenance; the HIP's validator accepts the result.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from hip_service.bundle_loader import load_bundle
from ml.demo_data import Split
from ml.int8_gate import Int8Decision, format_decisions, int8_gate_bundle
from qaid.bundle import read_manifest, sha256_file


def _decision(fp32: dict[str, float], int8: dict[str, float], max_drop: float = 0.01) -> Int8Decision:
    return Int8Decision("f.onnx", ("filter", "labeler"), fp32, int8, max_drop, 16)


def test_the_rule_allows_at_most_one_point_per_gated_metric() -> None:
    base = {"filter_accuracy": 0.96, "labeler_macro_f1": 0.95, "labeler_accuracy": 0.9}
    assert _decision(base, {**base, "filter_accuracy": 0.95}).kept  # exactly 1 point: allowed
    assert _decision(base, {**base, "filter_accuracy": 1.0, "labeler_macro_f1": 0.97}).kept  # gains
    worse = _decision(base, {**base, "labeler_macro_f1": 0.9399})
    assert not worse.kept and worse.failed == ["labeler_macro_f1"]
    assert _decision(base, {**base, "labeler_accuracy": 0.5}).kept  # recorded, not gated
    assert not _decision(base, {**base, "filter_accuracy": math.nan}).kept  # a metric lost fails
    nan = {"vqa_closed_accuracy": 0.9, "vqa_open_accuracy": math.nan}
    assert _decision(nan, dict(nan)).kept  # NaN on both sides (no open questions) is no drop
    assert not _decision({}, {}).kept  # nothing measured: nothing to justify int8
    table = format_decisions([worse]).splitlines()
    assert table[0].split() == ["model", "metric", "fp32", "int8", "delta", "kept?"]
    assert table[1].split()[0] == "filter+labeler" and table[1].endswith("no (fp32)")
    assert "-0.0101" in table[2]


def test_forced_threshold_rejects_int8_and_the_bundle_stays_fp32(
    quick_build: tuple[Path, dict], small_data: dict[str, Split], tmp_path: Path
) -> None:
    out, _ = quick_build
    bundle = tmp_path / "cismigiu"
    shutil.copytree(out / "cismigiu", bundle)
    before = read_manifest(bundle)
    # int8 would have to gain a whole point (0 -> 1) on every metric to be kept: it never is
    decisions = int8_gate_bundle(
        bundle, small_data["val"], small_data["test"], max_drop=-1.0, n_calibration=16
    )
    assert {d.file for d in decisions} == {"cascade.onnx", "segmentation.onnx", "vqa.onnx"}
    assert not any(d.kept for d in decisions)
    after = read_manifest(bundle)
    for old, new in zip(before.models, after.models, strict=True):
        assert (new.file, new.sha256, new.version) == (old.file, old.sha256, old.version)
        assert sha256_file(bundle / new.file) == old.sha256  # the fp32 bytes, untouched
        assert "int8 gate: rejected, fp32 kept" in new.provenance.notes
        assert new.provenance.metrics["int8_kept"] == 0.0
        assert old.provenance.metrics.items() <= new.provenance.metrics.items()
    seg = after.by_task("segmentation")[0].provenance.metrics
    assert {"onnx_fp32_segmentation_dice", "onnx_int8_segmentation_dice"} <= set(seg)
    assert {p.name for p in bundle.iterdir()} == {"manifest.json", *(e.file for e in after.models)}
    load_bundle(bundle)


def test_build_with_int8_keeps_it_and_every_bundle_loads_in_the_hip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python -m ml.build_bundles --quick --int8`` with a threshold int8 always meets."""
    from ml.build_bundles import main

    assert main(["--out", str(tmp_path), "--quick", "--seed", "2", "--int8", "--int8-max-drop", "1"]) == 0
    printed = capsys.readouterr().out
    assert "int8 gate" in printed and "filter+labeler" in printed and "no (fp32)" not in printed
    assert "int8 " in printed.split("seconds:")[1]
    bundles = [p for p in tmp_path.iterdir() if (p / "manifest.json").is_file()]
    assert bundles
    for b in bundles:
        m = read_manifest(b)
        for e in m.models:
            assert e.version.endswith("+int8") and e.sha256 == sha256_file(b / e.file)
            assert "int8 gate: kept" in e.provenance.notes and e.provenance.metrics["int8_kept"] == 1.0
        lab = m.by_task("labeler")[0].provenance.metrics
        # the gate's ONNX figures join the build's own (validation) metrics in the provenance
        assert {"onnx_fp32_labeler_macro_f1", "onnx_int8_labeler_macro_f1", "val_labeler_accuracy"} <= set(
            lab
        )
        loaded = load_bundle(b)  # the HIP's validator: hashes, signatures, cam weights, dry run
        assert loaded.only("labeler").cam_weight is not None
    assert not (tmp_path / ".stage").exists()


def test_train_cli_int8_gates_only_its_own_model(image_folder: Path, tmp_path: Path) -> None:
    from ml.train_cli import run

    # one epoch on a handful of images: below the baselines, so the gate (tested on its own) is waived
    base = ["--task", "cascade", "--data", str(image_folder), "--out", str(tmp_path / "run"), "--epochs", "1",
            "--size", "32", "--width", "4", "--val", "0.25", "--test", "0.25",
            "--bundle-out", str(tmp_path / "bundle"), "--hip-id", "local", "--no-progress",
            "--batch-size", "4", "--allow-below-baseline"]  # fmt: skip
    report = run([*base, "--int8", "--int8-max-drop", "1"])
    (decision,) = report["int8"]
    assert decision.kept and decision.file == "cascade.onnx"
    m = read_manifest(tmp_path / "bundle")
    assert all(e.version.endswith("+int8") and "hospital val" in e.provenance.notes for e in m.models)
    load_bundle(tmp_path / "bundle")
    with pytest.raises(SystemExit):
        run(["--task", "vqa", "--demo", "--out", str(tmp_path / "v"), "--bundle-out", str(tmp_path / "b"),
             "--bundle-base", str(tmp_path / "bundle"), "--int8"])  # fmt: skip
