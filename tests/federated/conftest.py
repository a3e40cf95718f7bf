"""Shared fixtures: one small set of hospital data folders per session, and a tiny-model run config."""

from __future__ import annotations

from pathlib import Path

import pytest

from federated.data import prepare
from federated.inprocess import default_run_config

HOSPITALS = ["herastrau", "cismigiu", "titan"]


@pytest.fixture(scope="session")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fed-data")
    prepare(root, seed=1, scale=0.06)
    return root


@pytest.fixture()
def tiny_config(tmp_path: Path, data_root: Path) -> dict:
    rc = default_run_config()
    rc.update({
        "cascade-blocks": "1,1,1,1", "cascade-size": 32, "cascade-per-class": 4, "batch-size": 8,
        "seg-size": 32, "seg-features": 4, "num-server-rounds": 2, "data-root": str(data_root),
        "run-dir": str(tmp_path / "runs"), "bundles-dir": str(tmp_path / "bundles"), "notify-hips": False,
    })  # fmt: skip
    return rc
