"""Static int8 quantization (ml.quantize, ml.onnx_eval) on small real models calibrated with demo images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

from ml.demo_data import Split
from ml.export import export_cascade, export_segmentation
from ml.models import Cascade, UNet
from ml.onnx_eval import session
from ml.onnx_feeds import image_batch
from ml.quantize import FeedReader, calibration_feeds, calibration_indices, quantize_static_model
from ml.train import IMAGENET
from qaid.bundle import BODY_PARTS, InputSpec, ModelEntry, Provenance

SIZE = 32
SPEC = InputSpec(size=SIZE, channels=3, **IMAGENET)


def _entry(task: str) -> ModelEntry:
    prov = Provenance(training_run="test", data="test", created_at="now")
    return ModelEntry(
        name=task, task=task, version="1", file=f"{task}.onnx", sha256="0" * 64, input=SPEC,
        outputs={"logits": f"{task}_logits"}, labels=list(BODY_PARTS), provenance=prov,
    )  # fmt: skip


@pytest.fixture(scope="module")
def cascade_files(tmp_path_factory: pytest.TempPathFactory, small_data: dict[str, Split]) -> dict:
    """A small DenseNet cascade exported to ONNX and quantized with real calibration images."""
    torch.manual_seed(0)
    model = Cascade(len(BODY_PARTS), block_config=(2, 2, 2, 2)).eval()
    d = tmp_path_factory.mktemp("quant")
    fp32 = d / "cascade.onnx"
    heads = export_cascade(model, fp32, SIZE)
    feeds = calibration_feeds(_entry("labeler"), small_data["train"], n=48, batch=8)
    int8 = quantize_static_model(
        fp32, d / "cascade.int8.onnx", feeds, keep_float_initializers=list(heads.values())
    )
    return {"fp32": fp32, "int8": int8, "heads": heads, "model": model}


def test_quantized_cascade_is_smaller_and_keeps_its_interface(cascade_files: dict) -> None:
    fp32, int8 = cascade_files["fp32"], cascade_files["int8"]
    assert int8.stat().st_size < 0.5 * fp32.stat().st_size
    a, b = session(fp32), session(int8)
    assert [(i.name, i.type) for i in a.get_inputs()] == [(i.name, i.type) for i in b.get_inputs()]
    assert [o.name for o in a.get_outputs()] == [o.name for o in b.get_outputs()]
    ops = {n.op_type for n in onnx.load(str(int8)).graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops


def test_quantized_outputs_are_close_to_fp32_on_held_out_images(
    cascade_files: dict, small_data: dict[str, Split]
) -> None:
    test = small_data["test"]
    x = image_batch(test.images, SPEC)
    ref = session(cascade_files["fp32"]).run(None, {"image": x})
    got = session(cascade_files["int8"]).run(None, {"image": x})
    for name, r, g in zip(("filter_logits", "labeler_logits", "features"), ref, got, strict=True):
        assert r.shape == g.shape, name
        spread = float(r.max() - r.min())
        err = np.abs(r - g)
        # An untrained tiny net has a narrow output range, so bound the typical and the worst error
        # relative to that range rather than one absolute tolerance.
        assert float(err.mean()) < 0.03 * spread, name
        if name != "features":  # single pooled features may saturate; the logits must not
            assert float(err.max()) < 0.15 * spread, name
        assert np.corrcoef(r.ravel(), g.ravel())[0, 1] > 0.99, name
    # the decisions agree on nearly every image
    assert np.mean(ref[1].argmax(1) == got[1].argmax(1)) >= 0.9


def test_cam_weights_stay_float_with_their_names(cascade_files: dict) -> None:
    inits = {i.name: i for i in onnx.load(str(cascade_files["int8"])).graph.initializer}
    model = cascade_files["model"]
    for head, name in cascade_files["heads"].items():
        assert name in inits
        arr = numpy_helper.to_array(inits[name])
        assert arr.dtype == np.float32
        expected = getattr(model, f"{head}_head").weight.detach().numpy()
        np.testing.assert_array_equal(arr, expected)


def test_segmentation_unet_quantizes_with_close_masks(tmp_path: Path, small_data: dict[str, Split]) -> None:
    torch.manual_seed(0)
    model = UNet(3, 1, 8).eval()
    fp32 = export_segmentation(model, tmp_path / "seg.onnx", SIZE)
    entry = _entry("labeler").model_copy(update={"task": "segmentation", "outputs": {"mask": "mask"}})
    feeds = calibration_feeds(entry, small_data["train"], n=16, batch=4)
    assert all(f["image"].shape[1:] == (3, SIZE, SIZE) for f in feeds)
    int8 = quantize_static_model(fp32, tmp_path / "seg.int8.onnx", feeds)
    assert int8.stat().st_size < 0.5 * fp32.stat().st_size
    x = image_batch([small_data["test"].images[i] for i in small_data["test"].indices(("brain",))], SPEC)
    r = session(fp32).run(None, {"image": x})[0]
    g = session(int8).run(None, {"image": x})[0]
    assert r.shape == g.shape
    assert float(np.abs(r - g).max()) < 0.01  # probabilities


def test_calibration_is_stratified_over_classes(small_data: dict[str, Split]) -> None:
    split = small_data["train"]
    idx = calibration_indices(split, "cascade", 48)
    assert len(idx) == 48 and len(set(idx)) == 48
    assert len({split.labels[i] for i in idx}) == len(set(split.labels))  # every class, incl. non-medical
    seg = calibration_indices(split, "segmentation", 8)
    assert {split.labels[i] for i in seg} == {BODY_PARTS.index("brain")}


def test_reader_rewinds_and_refuses_empty() -> None:
    reader = FeedReader([{"image": np.zeros((1, 3, 4, 4), np.float32)}])
    assert reader.get_next() is not None and reader.get_next() is None
    reader.rewind()
    assert reader.get_next() is not None
    with pytest.raises(ValueError):
        FeedReader([])


def test_quantize_bundle_gives_a_bundle_the_hip_serves(
    quick_build: tuple[Path, dict], small_data: dict[str, Split], tmp_path: Path
) -> None:
    """A whole (quick-built) bundle to int8: hashes, versions and cam weights hold; the HIP loads it."""
    from hip_service.bundle_loader import load_bundle
    from ml.onnx_eval import accuracy_delta
    from ml.quantize import quantize_bundle
    from qaid.bundle import read_manifest, sha256_file

    out, _ = quick_build
    src = out / "cismigiu"
    manifest = quantize_bundle(src, tmp_path / "int8", small_data["val"], n_calibration=16)
    for e in manifest.models:
        assert e.sha256 == sha256_file(tmp_path / "int8" / e.file)
        assert e.version.endswith("+int8")
    assert read_manifest(tmp_path / "int8") == manifest
    loaded = load_bundle(tmp_path / "int8")  # the HIP's full validation incl. cam_weight and a dry run
    assert loaded.only("labeler").cam_weight is not None
    delta = accuracy_delta(src, tmp_path / "int8", small_data["test"])
    assert {"filter_accuracy", "labeler_macro_f1", "segmentation_dice", "vqa_closed_accuracy"} <= set(delta)
    for fp32, int8, d in delta.values():
        assert 0.0 <= fp32 <= 1.0 and 0.0 <= int8 <= 1.0 and d == pytest.approx(int8 - fp32)
