"""Export the global model to ONNX and publish it into each hospital's bundle, swapped in atomically.

The ONNX file is made by :func:`ml.export.export_and_check` (same names and torch/ORT parity check
as a pooled build) and the manifest entries by :mod:`ml.bundle_writer`, so a HIP cannot tell a
federated model from a pooled one except by its provenance and ``bundle_version``.

A hospital's bundle keeps its other models: a federated cascade replaces the filter + labeler
entries; a federated U-Net replaces (or adds) the segmentation entry, and only in the bundles of
hospitals that offer segmentation. Each bundle is assembled in a temporary directory and renamed
into place (:func:`ml.bundle_writer.write_bundle`), then running HIPs are asked to reload; HIPs
that are down pick the new manifest up at start (or with their manifest watcher).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
from torch import nn

from federated.task import FedTaskConfig
from ml.bundle_writer import FILES, TASKS_OF, cascade_entries, new_manifest, segmentation_entry, write_bundle
from ml.demo_data import Split
from ml.export import export_and_check
from ml.train import images_to_tensor
from qaid.bundle import ModelEntry, Provenance, read_manifest
from qaid.config import HospitalSpec, Settings, operator_settings

log = logging.getLogger("federated")


@dataclass
class FedProvenance:
    """What the bundle records about the federated run that produced it."""

    strategy: str
    rounds: int
    clients: list[str]
    metrics: dict[str, float]
    secagg: bool
    dp: str = "off"
    best_round: int = 0
    history: dict[str, list[float]] = field(default_factory=dict)

    def to_provenance(self, created: str, data: str) -> Provenance:
        metrics = {**self.metrics, "fl_rounds": float(self.rounds), "fl_clients": float(len(self.clients)),
                   "fl_best_round": float(self.best_round)}  # fmt: skip
        run = (
            f"federated.server_app {self.strategy} rounds={self.rounds} clients={','.join(self.clients)}"
            f" secagg={'on' if self.secagg else 'off'} dp={self.dp} best_round={self.best_round}"
        )
        notes = "metrics: federated evaluation on the hospitals' validation shares (weighted) and, with a "
        notes += "server held-out set, 'server_*'; history per round: " + str(self.history)
        return Provenance(training_run=run, data=data, metrics=metrics, created_at=created,
                          notes=notes[:4000])  # fmt: skip


def new_version(task: str, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"fed-{task}-{now:%Y%m%d%H%M%S%f}"


def export_model(cfg: FedTaskConfig, model: nn.Module, probe: Split, stage: Path) -> tuple[Path, dict, float]:
    """ONNX of the task's model in ``stage``; returns (path, CAM head initializers, torch/ORT max diff)."""
    spec = cfg.train_config().spec(cfg.task)
    imgs = probe.images[:: max(1, len(probe.images) // 4)][:4]
    feeds = {"image": images_to_tensor(imgs, spec).numpy().astype(np.float32)}
    path = stage / FILES[cfg.task]
    heads, diff = export_and_check(cfg.task, model.eval(), path, feeds)
    return path, heads, diff


def _entries(cfg: FedTaskConfig, onnx: Path, heads: dict, version: str, prov: Provenance,
             hospital: HospitalSpec) -> list[ModelEntry]:  # fmt: skip
    spec = cfg.train_config().spec(cfg.task)
    if cfg.task == "cascade":
        return cascade_entries(onnx, version, spec, heads, prov)
    return [segmentation_entry(onnx, version, spec, hospital.offers.get("segmentation", []), prov)]


def publish(
    cfg: FedTaskConfig,
    onnx: Path,
    heads: dict,
    prov: Provenance,
    bundles_dir: Path,
    hospitals: list[HospitalSpec],
    version: str,
) -> list[Path]:
    """Write the model into ``bundles_dir/<hip>/`` for every hospital that serves the task."""
    written = []
    for h in hospitals:
        if cfg.task == "segmentation" and not h.offers.get("segmentation"):
            continue
        final = bundles_dir / h.id
        entries = _entries(cfg, onnx, heads, version, prov, h)
        sources = {onnx.name: onnx}
        keep: list[ModelEntry] = []
        if (final / "manifest.json").is_file():
            old = read_manifest(final)
            keep = [m for m in old.models if m.task not in TASKS_OF[cfg.task]]
            sources.update({m.file: final / m.file for m in keep})
            if any(m.file == onnx.name for m in keep):
                raise ValueError(f"{final}: {onnx.name} is used by another model of the bundle")
        elif cfg.task != "cascade":
            log.warning("no bundle at %s: a segmentation model needs a base bundle with the cascade", final)
            continue
        manifest = new_manifest(h.id, h.name, version, prov.created_at, [*keep, *entries])
        written.append(write_bundle(final, manifest, sources))
    return written


def notify_hips(hospitals: list[HospitalSpec], settings: Settings | None = None,
                timeout_s: float = 5.0) -> dict[str, str]:  # fmt: skip
    """POST /v1/admin/reload on every running HIP; returns hip id -> outcome (never raises)."""
    settings = settings or operator_settings()
    out = {}
    headers = {"Authorization": f"Bearer {settings.hip_token}"}
    for h in hospitals:
        url = f"{settings.hip_url(h)}/v1/admin/reload"
        try:
            r = httpx.post(url, headers=headers, timeout=timeout_s)
            out[h.id] = f"{r.status_code}" + ("" if r.is_success else f" {r.text[:200]}")
        except httpx.HTTPError as exc:
            out[h.id] = f"not reachable ({type(exc).__name__}): the manifest is picked up at start"
    return out


def export_and_publish(
    cfg: FedTaskConfig,
    model: nn.Module,
    probe: Split,
    fed: FedProvenance,
    bundles_dir: Path,
    hospitals: list[HospitalSpec],
    data_note: str,
    notify: bool = True,
) -> dict:
    """Export, write every hospital's bundle and ask running HIPs to reload; returns a summary."""
    created = datetime.now(UTC).isoformat(timespec="seconds")
    version = new_version(cfg.task)
    stage = bundles_dir / f".fed-stage-{version}"
    shutil.rmtree(stage, ignore_errors=True)
    try:
        onnx, heads, diff = export_model(cfg, model, probe, stage)
        prov = fed.to_provenance(created, data_note)
        paths = publish(cfg, onnx, heads, prov, bundles_dir, hospitals, version)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    reloads = notify_hips([h for h in hospitals if bundles_dir / h.id in paths]) if notify else {}
    return {"version": version, "bundles": [str(p) for p in paths], "parity": diff, "reloads": reloads}
