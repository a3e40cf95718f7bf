"""The HIP over HTTP: ``python -m hip_service`` as a subprocess, driven by httpx clients; its RSS.

Each request uploads a demo image and analyses it (``POST /v1/images``, then ``.../analyze``), as
the bot does; 503 (the HIP's admission control shedding load) is counted, not retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from hip_samples import SAMPLES
from timing import Stats
from utils.net import free_port

try:
    import psutil
except ImportError:  # a .venv installed before psutil joined pyproject.toml
    raise SystemExit("hip_bench needs psutil: .venv/bin/pip install psutil==7.2.2") from None

__all__ = ["HTTP_HEADER", "HttpResult", "Server", "hip_server", "http_bench", "http_rows"]

REPO = Path(__file__).resolve().parents[1]


def _vm_hwm_mb(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


@dataclass
class Server:
    proc: subprocess.Popen
    url: str
    token: str
    log: Path
    peak_sampled_mb: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)

    def rss_mb(self) -> float:
        return psutil.Process(self.proc.pid).memory_info().rss / 2**20

    def peak_mb(self) -> float:
        """Peak RSS: the kernel's high-water mark (VmHWM), or the sampled peak where unavailable."""
        hwm = _vm_hwm_mb(self.proc.pid)
        return hwm if hwm == hwm else self.peak_sampled_mb

    def _sample(self) -> None:
        p = psutil.Process(self.proc.pid)
        while not self._stop.wait(0.05):
            with contextlib.suppress(psutil.Error):
                self.peak_sampled_mb = max(self.peak_sampled_mb, p.memory_info().rss / 2**20)


@contextlib.contextmanager
def hip_server(bundle_dir: Path, workdir: Path) -> Iterator[Server]:
    """``python -m hip_service`` on a free loopback port, ready (bundle loaded) when yielded."""
    port, token = free_port(), secrets.token_urlsafe(16)
    env = {**os.environ, "QAID_HIP_TOKEN": token, "PYTHONUNBUFFERED": "1"}
    log = workdir / f"hip_{bundle_dir.name}_{port}.log"
    cmd = [sys.executable, "-m", "hip_service", "--bundle", str(bundle_dir), "--port", str(port),
           "--host", "127.0.0.1"]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(proc, f"http://127.0.0.1:{port}", token, log)
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the HIP exited with {proc.returncode}: {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{server.url}/ready", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the HIP did not become ready in 120 s: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        sampler = threading.Thread(target=server._sample, daemon=True)
        sampler.start()
        yield server
    finally:
        server._stop.set()
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class HttpResult:
    concurrency: int
    workload: str
    ok: int = 0
    shed: int = 0  # 503 overloaded (the HIP's admission control), not retried
    errors: int = 0
    wall_s: float = 0.0
    upload_ms: list[float] = field(default_factory=list)
    analyze_ms: list[float] = field(default_factory=list)
    total_ms: list[float] = field(default_factory=list)


async def _drive(
    server: Server, images: list[bytes], concurrency: int, per_client: int, label: str
) -> HttpResult:
    res = HttpResult(concurrency, label)
    headers = {"Authorization": f"Bearer {server.token}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=server.url, headers=headers, limits=limits, timeout=60) as client:

        async def one_client(c: int) -> None:
            for k in range(per_client):
                data = images[(c + k) % len(images)]
                t0 = time.perf_counter()
                r = await client.post("/v1/images", content=data)
                t1 = time.perf_counter()
                if r.status_code == 503:
                    res.shed += 1
                    continue
                if r.status_code != 201:
                    res.errors += 1
                    continue
                r2 = await client.post(f"/v1/images/{r.json()['image_id']}/analyze")
                t2 = time.perf_counter()
                if r2.status_code == 503:
                    res.shed += 1
                    continue
                if r2.status_code != 200:
                    res.errors += 1
                    continue
                res.ok += 1
                res.upload_ms.append((t1 - t0) * 1000)
                res.analyze_ms.append((t2 - t1) * 1000)
                res.total_ms.append((t2 - t0) * 1000)

        start = time.perf_counter()
        await asyncio.gather(*(one_client(c) for c in range(concurrency)))
        res.wall_s = time.perf_counter() - start
    return res


def http_bench(server: Server, samples: dict[str, bytes], levels: list[int], per_client: dict[int, int],
               per_sample: int, warmup: int) -> list[HttpResult]:  # fmt: skip
    mix = [samples[s] for s in SAMPLES]
    asyncio.run(_drive(server, mix, 1, warmup, "warmup"))
    results = []
    for name in SAMPLES:  # concurrency 1, one image kind at a time
        results.append(asyncio.run(_drive(server, [samples[name]], 1, per_sample, name)))
    for c in levels:
        results.append(asyncio.run(_drive(server, mix, c, per_client[c], "mix of 4 samples")))
    return results


def http_rows(results: list[HttpResult]) -> list[list[Any]]:
    rows = []
    for r in results:
        t, u, a = Stats.of(r.total_ms), Stats.of(r.upload_ms), Stats.of(r.analyze_ms)
        rps = r.ok / r.wall_s if r.wall_s else float("nan")
        rows.append([r.workload, r.concurrency, r.ok, r.shed, r.errors, u.p50, a.p50, t.p50, t.p95, rps])
    return rows


HTTP_HEADER = ["workload", "conc", "ok", "503", "err", "upload p50", "analyze p50", "total p50", "total p95",
               "req/s"]  # fmt: skip
