"""The retry schedule of every durable sender: the hub's deliveries and replies, the inbox's replies.

One policy, so a reply from a doctor is retried exactly like a transcript to a hospital
(``hub.outbox``, ``hub.reply_outbox``, ``inbox.reply_sender``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter. The defaults spread 15 attempts over about a day:
    10 s, 20 s, 40 s … capped at 6 h (sum of the 14 waits ≈ 23 h)."""

    max_attempts: int = 15
    base_s: float = 10.0
    cap_s: float = 6 * 3600.0
    jitter: float = 0.2
    # How long a claimed row stays invisible to other workers; must exceed the send timeout.
    lease_s: float = 120.0

    def delay_after(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt (jitter de-synchronises retries)."""
        raw = min(self.cap_s, self.base_s * 2 ** (attempts - 1))
        return raw * random.uniform(1 - self.jitter, 1 + self.jitter)
