"""Request budgets leased in blocks from the shared counters, so a busy key rarely writes to the store."""

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from minirag.domain.errors import RateLimitedError
from minirag.ports import RateLimiter
from minirag.services.guards import retry_after

MAX_BLOCK = 50
MAX_KEYS = 10_000


def block_size(limit: int) -> int:
    """Units reserved by one counter write: a twentieth of the limit, between 1 and 50.

    Units a process reserved and never spent are lost to the other processes until the window ends, so
    the block is what an idle instance can waste: under 5% of the limit, and never more than 49 units.
    The cap of 50 already makes a busy key cost one write per 50 requests; larger blocks would save
    little more and waste more. Limits up to 39 get a block of 1: one write per request, as before.
    """
    return max(1, min(limit // 20, MAX_BLOCK))


@dataclass
class _Lease:
    window: int
    units: int = 0
    total: int = 0  # the highest count the shared counter reported for this window


class RequestBudget:
    """Exact fixed-window limits across processes at a fraction of the counter writes.

    A process reserves a block of units with one atomic ADD on the shared counter and spends them
    locally. The ADD returns the total, so the part of the block past the limit is never granted and the
    processes together allow at most `limit` requests a window. Once the counter has reached the limit,
    refusals need no write until the window ends. One instance per process: it holds the reserved units.
    """

    def __init__(self, limiter: RateLimiter, *, max_keys: int = MAX_KEYS) -> None:
        self._limiter = limiter
        self._max_keys = max_keys
        self._leases: OrderedDict[str, _Lease] = OrderedDict()
        self._lock = threading.Lock()

    def spend(self, *, key: str, limit: int, window_seconds: int, now: datetime) -> None:
        """Spend one unit of the window's budget; RateLimitedError with Retry-After once it is gone."""
        window = int(now.timestamp()) // window_seconds * window_seconds
        outcome = self._spend_reserved(key, window, limit)
        if outcome == "reserve":
            block = block_size(limit)
            total = self._limiter.hit(key=key, window_seconds=window_seconds, now=now, amount=block)
            granted = min(block, limit - (total - block))
            self._keep(key, window, spare=granted - 1, total=total)
            outcome = "spent" if granted > 0 else "exhausted"
        if outcome == "exhausted":
            raise RateLimitedError(
                "too many requests; retry later", retry_after=retry_after(now, window_seconds)
            )

    def _spend_reserved(self, key: str, window: int, limit: int) -> Literal["spent", "exhausted", "reserve"]:
        with self._lock:
            lease = self._leases.get(key)
            if lease is None or lease.window != window:
                return "reserve"
            self._leases.move_to_end(key)
            if lease.units > 0:
                lease.units -= 1
                return "spent"
            return "exhausted" if lease.total >= limit else "reserve"

    def _keep(self, key: str, window: int, *, spare: int, total: int) -> None:
        """Bank the unspent part of a grant; a lease only ever holds the newest window it has seen."""
        with self._lock:
            lease = self._leases.get(key)
            if lease is not None and lease.window > window:
                return
            if lease is None or lease.window < window:
                lease = self._leases[key] = _Lease(window)
            lease.units += max(0, spare)
            lease.total = max(lease.total, total)
            self._leases.move_to_end(key)
            while len(self._leases) > self._max_keys:
                self._leases.popitem(last=False)
