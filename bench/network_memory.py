"""Memory of the running demo network: the RSS of every process `make run` started, over a run.

The launcher records each component's PID in ``var/network.pids`` (and a new one when it restarts
one); every process in those sessions is sampled from ``/proc``, so a component's children count
too. Used by ``bench/load.py`` to see whether any process grows under load (target: flat).
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

__all__ = ["Memory", "proc_name"]

ALIASES = {"hip_service": "hip", "qaid_bot.action_server": "actions"}  # else a module's last part: hub, inbox


def proc_name(pid: int) -> str:
    """hub, hip-herastrau, inbox-titan, actions, rasa: from the module or the script in argv."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return str(pid)
    if "-m" in argv[:-1]:
        module = argv[argv.index("-m") + 1]
        name = ALIASES.get(module, module.rsplit(".", 1)[-1])
    else:
        name = next((Path(a).name for a in argv if not Path(a).name.startswith("python")), str(pid))
    return f"{name}-{argv[argv.index('--hospital') + 1]}" if "--hospital" in argv[:-1] else name


class Memory:
    """RSS of every process of the network: the launcher's session leaders and all their children. The
    PID file is read at every sample: the launcher restarts a component that dies and records its PID."""

    def __init__(self, pids_file: Path) -> None:
        self.pids_file = pids_file
        self.leaders: dict[int, str] = {}  # session leader PID -> component name
        self.restarts: Counter[str] = Counter()
        self.samples: list[tuple[float, dict[str, float]]] = []  # (Q&Aid load minutes, name -> MB)
        self.warm: dict[str, float] | None = None

    def sample(self, load_min: float, warm: bool = False) -> dict[str, float]:
        lines = self.pids_file.read_text().splitlines() if self.pids_file.exists() else []
        for pid, _, name in (line.strip().partition(" ") for line in lines):  # "PID [name]"
            if pid.isdigit() and int(pid) not in self.leaders:
                name = name.strip() or proc_name(int(pid))
                self.restarts[name] += name in self.leaders.values()
                self.leaders[int(pid)] = name
        rss: dict[str, float] = {}
        for entry in filter(str.isdigit, os.listdir("/proc")):
            try:  # fields after "(comm)": state ppid pgrp session ...
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                # the launcher is listed too, but leads no session: match it by its own PID
                ids = (int(entry), int(fields[3]), int(fields[2]))
                leader = next((i for i in ids if i in self.leaders), 0)
                status = Path(f"/proc/{entry}/status").read_text() if leader else ""
            except (OSError, IndexError):
                continue
            kb = next((line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")), None)
            if leader and kb:
                name = self.leaders[leader]
                rss[name if int(entry) == leader else f"{name}/{entry}"] = int(kb) / 1024
        self.warm = rss if warm else self.warm
        if self.warm is not None:
            self.samples.append((load_min, rss))
        return rss

    def report(self, end: dict[str, float]) -> list[dict[str, Any]]:
        """Growth from the end of the warm-up (or a later start) to the end, and the least-squares slope."""
        rows = []
        for name in sorted(set(self.warm or {}) | set(end)):
            pts = [(x, r[name]) for x, r in self.samples if name in r]
            warm = pts[0][1]
            mx, my = sum(x for x, _ in pts) / len(pts), sum(y for _, y in pts) / len(pts)
            sxx = sum((x - mx) ** 2 for x, _ in pts)
            slope = sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else 0.0
            growth = end.get(name, 0.0) - warm  # end 0.0: the process is gone
            pct = 100 * growth / max(warm, 0.1)
            verdict = "GONE" if name not in end else "flat" if growth <= 5 or pct <= 5 else "GROWING"
            rows.append({"process": name, "warm_mb": round(warm, 1), "end_mb": round(end.get(name, 0.0), 1),
                         "growth_mb": round(growth, 1) + 0.0, "growth_pct": round(pct, 1) + 0.0,
                         "slope_mb_per_load_min": round(slope, 2),
                         "verdict": "RESTARTED" if self.restarts[name] else verdict})  # fmt: skip
        return rows
