"""Which input size can see anatomy: one hospital's cascade trained at each size, measured on VALIDATION.

``python -m ml.size_sweep [--sizes 64 96 128] [--epochs 6] [--scale 1.0] [--pretrained]`` trains the
cismigiu cascade (its own data, same seed) at each size — the from-scratch CascadeNet, or with
``--pretrained`` the demo bundles' frozen EfficientNet-Lite0 + heads (no epochs) — then reports,
on the validation pool only (the evaluation sources are never looked at for this choice): filter
and labeler accuracy on the generated val split and on the real val sources, the labeler's
abstention on real val images, the training time, and the ONNX Runtime latency of one forward pass
(HIP session options, batch 1).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from ml.cascade_data import Mix, hospital_set, validation_pool
from ml.cascade_train import CascadeConfig, TrainedCascade, outputs, targets, train_hospital_cascade
from ml.export import export_cascade
from ml.metrics import softmax
from ml.pretrained_cascade import PretrainedConfig, train_pretrained_cascade
from ml.train import images_to_tensor
from qaid.config import get_settings


def _latency_ms(model: torch.nn.Module, size: int, iters: int = 100) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.onnx"
        export_cascade(model, path, size)  # type: ignore[arg-type]
        opts = ort.SessionOptions()
        opts.intra_op_num_threads, opts.inter_op_num_threads = 1, 1
        sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        x = {"image": np.zeros((1, 3, size, size), np.float32)}
        for _ in range(10):
            sess.run(None, x)
        times = []
        for _ in range(iters):
            t0 = time.perf_counter()
            sess.run(None, x)
            times.append((time.perf_counter() - t0) * 1000)
    return float(np.percentile(times, 50))


def sweep(
    sizes: list[int], epochs: int, scale: float, seed: int = 0, pretrained: bool = False
) -> list[dict[str, float]]:
    torch.set_num_threads(1)
    h = get_settings().hospital("cismigiu")
    data = hospital_set(h.id, h.offers, seed, Mix().scaled(scale))
    val = validation_pool(seed, Mix())
    real = np.asarray([not s.startswith("generated:") for s in val.source])
    rows = []
    for size in sizes:
        cfg: CascadeConfig | PretrainedConfig
        r: TrainedCascade
        if pretrained:
            cfg = PretrainedConfig(size=size)
            r = train_pretrained_cascade(data, val, cfg)
        else:
            cfg = CascadeConfig(size=size, epochs=epochs, seed=seed)
            r = train_hospital_cascade(data, val, cfg)
        out = outputs(r.model, images_to_tensor(val.images, cfg.spec))
        y = {k: v.numpy() for k, v in targets(val).items()}
        row: dict[str, float] = {"size": size, "train_s": round(r.seconds, 1)}
        for name, mask in (("generated val", ~real), ("real val", real)):
            f_ok = out["filter"].argmax(1) == y["filter"]
            lab = (y["labeler"] >= 0) & mask
            p = softmax(out["labeler"][lab], r.calibration["labeler"].temperature)
            confident = p.max(1) >= r.calibration["labeler"].min_confidence
            right = p.argmax(1) == y["labeler"][lab]
            row[f"{name}: filter acc"] = float(f_ok[mask].mean())
            row[f"{name}: labeler acc"] = float(right.mean()) if lab.any() else float("nan")
            row[f"{name}: labeler confidently wrong"] = (
                float((confident & ~right).mean()) if lab.any() else float("nan")
            )
        row["ort_p50_ms"] = round(_latency_ms(r.model, size), 2)
        rows.append(row)
        print(row, flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 96, 128])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--pretrained", action="store_true", help="the frozen ImageNet backbone + heads")
    args = parser.parse_args(argv)
    rows = sweep(args.sizes, args.epochs, args.scale, pretrained=args.pretrained)
    keys = list(rows[0])
    print("\n" + " | ".join(keys))
    for r in rows:
        print(" | ".join(f"{r[k]:.3f}" if isinstance(r[k], float) else str(r[k]) for k in keys))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
