"""Timing for the benchmarks: interleaved timing of several variants, percentiles, printed tables.

Standard library and numpy only, so any benchmark can import it (``bench/hip_bench.py``,
``bench/cascade_bench.py``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Stats", "load_average", "table", "time_paired"]


@dataclass
class Stats:
    n: int
    p50: float
    p95: float
    mean: float

    @classmethod
    def of(cls, ms: list[float]) -> Stats:
        a = np.asarray(ms, dtype=np.float64)
        if a.size == 0:
            return cls(0, float("nan"), float("nan"), float("nan"))
        return cls(int(a.size), float(np.percentile(a, 50)), float(np.percentile(a, 95)), float(a.mean()))


def time_paired(
    fns: dict[str, Callable[[], object]], warmup: int, iters: int, block: int = 1
) -> dict[str, Stats]:
    """Time several functions round-robin, in blocks of ``block`` calls, rotating the order each round.

    Under a shared, drifting CPU load, interleaving makes their ratios fair: every variant sees the
    same load, instead of one block of runs seeing a quiet minute and the next a busy one. Variants
    with thread pools need ``block`` > 1: pool threads spin for a while after a run and would steal
    the cores from the next variant, so each block starts with one untimed call.
    """
    names = list(fns)
    for _ in range(warmup):
        for n in names:
            fns[n]()
    ms: dict[str, list[float]] = {n: [] for n in names}
    rounds = -(-iters // block)
    for r in range(rounds):
        k = r % len(names)
        for n in names[k:] + names[:k]:
            if block > 1:
                fns[n]()
            for _ in range(min(block, iters - r * block)):
                t0 = time.perf_counter()
                fns[n]()
                ms[n].append((time.perf_counter() - t0) * 1000.0)
    return {n: Stats.of(v) for n, v in ms.items()}


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def table(title: str, header: list[str], rows: list[list[Any]]) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, float):
            return "nan" if v != v else (f"{v:.2f}" if abs(v) < 100 else f"{v:.1f}")
        return str(v)

    body = [[cell(v) for v in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(header)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    out = [f"\n## {title}", line, "  ".join("-" * w for w in widths)]

    def is_num(v: Any) -> bool:
        try:
            float(v)
        except (TypeError, ValueError):
            return False
        return True

    numeric = [all(is_num(r[i]) for r in rows) for i in range(len(header))]
    for r in body:
        cells = zip(r, widths, numeric, strict=True)
        out.append("  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in cells))
    text = "\n".join(out)
    print(text, flush=True)
    return text
