"""The three demo networks: the filter/labeler cascade, the Buda et al. U-Net and a MEVF-like VQA model.

Their forward signatures and output order are exactly what the ONNX files expose to the HIP
(see :mod:`ml.export`), so exporting is a plain trace with named inputs/outputs.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from ml.torchvision_compat import torchvision


class Cascade(nn.Module):
    """One DenseNet121 backbone (random init, no downloaded weights) and two linear heads.

    Both heads are plain ``Linear`` layers over the globally average-pooled final ReLU'd feature
    map, so a class-activation map is exactly ``head.weight[c] @ features`` — the HIP computes
    heatmaps from the exported ``features`` output and the head weight initializers.
    Outputs: (filter_logits [N,2], labeler_logits [N,11], features [N,C,h,w]).
    """

    def __init__(self, n_labels: int = 11, block_config: tuple[int, ...] = (6, 12, 24, 16)) -> None:
        super().__init__()
        net = torchvision.models.DenseNet(growth_rate=32, block_config=block_config, num_init_features=64)
        self.backbone = net.features
        channels = net.classifier.in_features
        self.filter_head = nn.Linear(channels, 2)
        self.labeler_head = nn.Linear(channels, n_labels)

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        features = F.relu(self.backbone(image))
        pooled = features.mean(dim=(2, 3))
        return self.filter_head(pooled), self.labeler_head(pooled), features


def _unet_block(in_ch: int, feat: int, name: str) -> nn.Sequential:
    return nn.Sequential(
        OrderedDict(
            [
                (f"{name}conv1", nn.Conv2d(in_ch, feat, 3, padding=1, bias=False)),
                (f"{name}norm1", nn.BatchNorm2d(feat)),
                (f"{name}relu1", nn.ReLU(inplace=True)),
                (f"{name}conv2", nn.Conv2d(feat, feat, 3, padding=1, bias=False)),
                (f"{name}norm2", nn.BatchNorm2d(feat)),
                (f"{name}relu2", nn.ReLU(inplace=True)),
            ]
        )
    )


class UNet(nn.Module):
    """U-Net of Buda et al. (brain-segmentation-pytorch): 4 levels, BN, transposed-conv upsampling.

    ``init_features=32`` is the reference network; the demo uses fewer to train on 2 cores.
    The output is a sigmoid probability map [N,1,S,S] (S divisible by 16).
    """

    def __init__(self, in_channels: int = 3, out_channels: int = 1, init_features: int = 32) -> None:
        super().__init__()
        f = init_features
        self.encoder1 = _unet_block(in_channels, f, "enc1")
        self.encoder2 = _unet_block(f, f * 2, "enc2")
        self.encoder3 = _unet_block(f * 2, f * 4, "enc3")
        self.encoder4 = _unet_block(f * 4, f * 8, "enc4")
        self.pool = nn.MaxPool2d(2, 2)
        self.bottleneck = _unet_block(f * 8, f * 16, "bottleneck")
        self.upconv4 = nn.ConvTranspose2d(f * 16, f * 8, 2, stride=2)
        self.decoder4 = _unet_block(f * 16, f * 8, "dec4")
        self.upconv3 = nn.ConvTranspose2d(f * 8, f * 4, 2, stride=2)
        self.decoder3 = _unet_block(f * 8, f * 4, "dec3")
        self.upconv2 = nn.ConvTranspose2d(f * 4, f * 2, 2, stride=2)
        self.decoder2 = _unet_block(f * 4, f * 2, "dec2")
        self.upconv1 = nn.ConvTranspose2d(f * 2, f, 2, stride=2)
        self.decoder1 = _unet_block(f * 2, f, "dec1")
        self.conv = nn.Conv2d(f, out_channels, 1)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.encoder1(x)
        e2 = self.encoder2(self.pool(e1))
        e3 = self.encoder3(self.pool(e2))
        e4 = self.encoder4(self.pool(e3))
        b = self.bottleneck(self.pool(e4))
        d4 = self.decoder4(torch.cat((self.upconv4(b), e4), dim=1))
        d3 = self.decoder3(torch.cat((self.upconv3(d4), e3), dim=1))
        d2 = self.decoder2(torch.cat((self.upconv2(d3), e2), dim=1))
        d1 = self.decoder1(torch.cat((self.upconv1(d2), e1), dim=1))
        return self.conv(d1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(image))


class VQANet(nn.Module):
    """A small MEVF-like VQA model.

    MEVF (Nguyen et al., 2019) pairs a compact image encoder with a GRU question encoder and
    attention-based fusion. Here: a 4-block CNN gives a feature grid; word embeddings + a GRU give
    the question vector; question-guided soft attention pools the grid, and the attended vector
    plus the grid mean (which lets counting survive the softmax average) are fused with the
    question by element-wise product before an MLP classifier over the answer set.
    """

    def __init__(self, vocab_size: int, n_answers: int, width: int = 32, hidden: int = 128) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        ch = 3
        for i, out in enumerate((width, width * 2, width * 4, width * 4)):
            layers += [
                nn.Conv2d(ch, out, 3, padding=1, bias=False),
                nn.BatchNorm2d(out),
                nn.ReLU(inplace=True),
            ]
            if i < 3:
                layers.append(nn.MaxPool2d(2))
            ch = out
        self.cnn = nn.Sequential(*layers)
        self.embed = nn.Embedding(vocab_size, 64, padding_idx=0)
        self.gru = nn.GRU(64, hidden, batch_first=True)
        self.v_proj = nn.Conv2d(ch, hidden, 1)
        self.q_proj = nn.Linear(hidden, hidden)
        self.att = nn.Conv2d(hidden, 1, 1)
        self.fuse_v = nn.Linear(ch * 2, hidden)
        self.classifier = nn.Sequential(
            nn.Linear(hidden, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, n_answers)
        )

    def encode_image(self, image: torch.Tensor) -> torch.Tensor:
        return self.cnn(image)

    def encode_question(self, question: torch.Tensor) -> torch.Tensor:
        # The final hidden state of a left-aligned padded sequence: pads at the end pass through a
        # GRU gate, which is fine since the same padding happens at training and serving time.
        _, h = self.gru(self.embed(question))
        return h[-1]

    def answer(self, v: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
        qh = self.q_proj(q)
        joint = torch.tanh(self.v_proj(v) + qh[:, :, None, None])
        weights = torch.softmax(self.att(joint).flatten(1), dim=1)  # [N, h*w]
        grid = v.flatten(2)  # [N, C, h*w]
        attended = torch.bmm(grid, weights[:, :, None]).squeeze(2)
        pooled = torch.cat((attended, grid.mean(dim=2)), dim=1)
        return self.classifier(F.relu(self.fuse_v(pooled)) * torch.tanh(qh))

    def forward(self, image: torch.Tensor, question: torch.Tensor) -> torch.Tensor:
        return self.answer(self.encode_image(image), self.encode_question(question))


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class _Residual(nn.Module):
    def __init__(self, ch: int) -> None:
        super().__init__()
        self.body = nn.Sequential(_conv(ch, ch), nn.Conv2d(ch, ch, 3, 1, 1, bias=False), nn.BatchNorm2d(ch))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x + self.body(x))


class CascadeHeads(nn.Module):
    """What every cascade shares after its backbone: four linear heads over pooled features and the
    OOD distances, so the ONNX outputs (and the HIP reading them) do not depend on the backbone.

    All heads are linear over the mean of ``features`` over space, so class-activation maps stay
    exact (``weight[c] @ features``). ``ood`` is the squared Mahalanobis distance of the pooled
    features to each OOD group's training mean under one shared covariance (Lee et al., 2018, "A
    simple unified framework for detecting out-of-distribution samples"); the buffers are fitted
    after training (:mod:`ml.calibrate`). Outputs: filter_logits [N,2], labeler_logits [N,L],
    modality_logits [N,M], orientation_logits [N,O], features [N,C,h,w], ood [N,G].
    """

    # buffers fitted after training (declared so the type checker knows them as tensors)
    ood_means: torch.Tensor
    ood_precision: torch.Tensor

    def _add_heads(
        self, channels: int, n_labels: int, n_modalities: int, n_orientations: int, n_groups: int
    ) -> None:
        """Called by a subclass after its backbone: the order of module creation is the order in which
        a seeded run draws their initial weights, so a from-scratch cascade trains as it always did."""
        self.filter_head = nn.Linear(channels, 2)
        self.labeler_head = nn.Linear(channels, n_labels)
        self.modality_head = nn.Linear(channels, n_modalities)
        self.orientation_head = nn.Linear(channels, n_orientations)
        self.register_buffer("ood_means", torch.zeros(n_groups, channels))
        self.register_buffer("ood_precision", torch.eye(channels))

    def embed(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(feature map [N,C,h,w], its mean over space [N,C])."""
        raise NotImplementedError

    def heads(self, pooled: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (self.filter_head(pooled), self.labeler_head(pooled), self.modality_head(pooled),
                self.orientation_head(pooled))  # fmt: skip

    def ood(self, pooled: torch.Tensor) -> torch.Tensor:
        d = pooled[:, None, :] - self.ood_means[None]  # [N, G, C]
        return (torch.matmul(d, self.ood_precision) * d).sum(dim=-1)

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, ...]:
        features, pooled = self.embed(image)
        return (*self.heads(pooled), features, self.ood(pooled))


class CascadeNet(CascadeHeads):
    """The cascade that replaced the 64-px DenseNet-121: a small residual CNN at 128 px, trained
    from scratch (federated training and ``ml.train_cli`` still train it; the demo bundles use
    :class:`ml.pretrained_cascade.PretrainedCascadeNet`).

    Why this shape: anatomy needs pixels (a 64-px head CT and a hand radiograph look alike), and
    three hospitals must each train their own model on 2 CPU cores in minutes. A 4x4 stride-4 stem
    ("patchify") makes 128 px cost what 32 px would through a plain stem; four stages of residual
    3x3 convolutions (32-64-128-256 channels) end on a 4x4 grid, ReLU'd, under :class:`CascadeHeads`.
    """

    def __init__(self, n_labels: int, n_modalities: int, n_orientations: int, n_groups: int, width: int = 32):
        super().__init__()
        w = width
        self.backbone = nn.Sequential(
            nn.Conv2d(3, w, 4, 4, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True), _Residual(w),
            _conv(w, 2 * w, 2), _Residual(2 * w),
            _conv(2 * w, 4 * w, 2), _Residual(4 * w),
            _conv(4 * w, 8 * w, 2), _Residual(8 * w),
        )  # fmt: skip
        self._add_heads(8 * w, n_labels, n_modalities, n_orientations, n_groups)

    def embed(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = F.relu(self.backbone(image))
        return features, features.mean(dim=(2, 3))
