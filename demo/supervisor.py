"""Once the network is up, a component that dies is restarted; one that keeps dying stops it."""

from __future__ import annotations

import time

import httpx

from demo.components import Component
from demo.processes import is_ready, record_pids, spawn
from qaid.config import Settings

__all__ = ["RESTART_LIMIT", "RESTART_WINDOW_S", "Supervisor"]

# A component is restarted at most RESTART_LIMIT times within RESTART_WINDOW_S; dying once more
# stops the network.
RESTART_LIMIT = 5
RESTART_WINDOW_S = 300.0


class Supervisor:
    """Restarts a component that died, so one crash does not take the demo down with it.

    The patient-facing promises rely on it: the bot leaves out a HIP while it is away, Rasa picks
    the conversation up from its tracker store, the hub's outbox resumes its deliveries. A component
    that keeps dying (``RESTART_LIMIT`` times within ``RESTART_WINDOW_S``) is a configuration
    problem, not a fault to ride out: then the whole network stops and says which one.
    """

    def __init__(self, settings: Settings, comps: list[Component]) -> None:
        self.settings = settings
        self.comps = comps
        self.crashes: dict[str, list[float]] = {}
        self.coming_back: set[str] = set()
        self.probe = httpx.Client(timeout=1.0)

    def step(self) -> bool:
        """One look at every component; False when the network has to stop."""
        for c in self.comps:
            if c.proc is None or c.proc.poll() is None:
                continue
            log = self.settings.logs_dir / f"{c.name}.log"
            now = time.monotonic()
            recent = [t for t in self.crashes.get(c.name, []) if now - t < RESTART_WINDOW_S] + [now]
            self.crashes[c.name] = recent
            if len(recent) > RESTART_LIMIT:
                print(
                    f"{c.name} stopped {len(recent)} times within {RESTART_WINDOW_S / 60:.0f} min "
                    f"(last exit code {c.proc.returncode}); stopping the network. See {log}",
                    flush=True,
                )
                return False
            code = c.proc.returncode
            print(f"{c.name} stopped unexpectedly (code {code}); restarting it. See {log}", flush=True)
            spawn(self.settings, c)
            record_pids(self.settings, self.comps)
            self.coming_back.add(c.name)
        for c in self.comps:
            if c.name in self.coming_back and is_ready(self.probe, c):
                self.coming_back.discard(c.name)
                print(f"{c.name} is back.", flush=True)
        return True

    def close(self) -> None:
        self.probe.close()
