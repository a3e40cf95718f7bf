"""Per-sender token buckets, in memory: a sender may burst, then is held to a steady rate.

Both runtimes hold patients to the same rule (a burst, then so many per minute; ``Retry-After`` in
whole seconds): the hub for anonymous image uploads, the bot's channels per chat sender. So the one
implementation lives here, beside the limits, and neither side re-writes it. The state is per
process on purpose: with N hub replicas behind a load balancer a sender
gets at most N times the rate, which still stops a flood, and nothing shared (Redis) has to be up
for uploads to work. The number of senders remembered is bounded, so a scan over many addresses
cannot grow memory: the least recently seen sender is forgotten first (and starts again full).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["RateLimiter", "retry_after"]


class RateLimiter:
    """``burst`` requests at once per key, refilled at ``per_minute``; ``per_minute == 0`` is no limit."""

    def __init__(
        self,
        burst: int,
        per_minute: float,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if burst < 1 or per_minute < 0:
            raise ValueError("burst must be >= 1 and per_minute >= 0")
        self.burst = float(burst)
        self.rate = per_minute / 60.0  # tokens per second
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)
        self._lock = threading.Lock()  # handlers may run in worker threads

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    @property
    def remembered(self) -> int:
        """How many senders are remembered (at most ``max_keys``)."""
        return len(self._buckets)

    def take(self, key: str) -> float:
        """Take one token for ``key``: 0.0 when allowed, else the seconds until the next one."""
        if not self.enabled:
            return 0.0
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate
            if wait == 0.0:
                tokens -= 1.0
            self._buckets[key] = (tokens, now)  # most recently seen last
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return wait


def retry_after(wait_s: float) -> str:
    """The ``Retry-After`` header value (whole seconds, at least 1) for a wait."""
    return str(max(1, math.ceil(wait_s)))
