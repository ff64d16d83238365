"""An in-memory RateLimiter: the shared counters of several processes, with every write counted."""

import threading
import time
from collections import Counter
from datetime import datetime


class InMemoryRateLimiter:
    def __init__(self, *, write_delay: float = 0.0) -> None:
        self.counts: Counter[tuple[str, int]] = Counter()
        self.writes = 0
        self._write_delay = write_delay  # widens the race windows of callers
        self._lock = threading.Lock()

    def hit(self, *, key: str, window_seconds: int, now: datetime, amount: int = 1) -> int:
        if self._write_delay:
            time.sleep(self._write_delay)
        with self._lock:
            self.writes += 1
            self.counts[key, self._window(now, window_seconds)] += amount
            return self.counts[key, self._window(now, window_seconds)]

    def count(self, *, key: str, window_seconds: int, now: datetime) -> int:
        with self._lock:
            return self.counts[key, self._window(now, window_seconds)]

    def reset(self, *, key: str, window_seconds: int, now: datetime) -> None:
        with self._lock:
            self.counts.pop((key, self._window(now, window_seconds)), None)

    @staticmethod
    def _window(now: datetime, window_seconds: int) -> int:
        return int(now.timestamp()) // window_seconds * window_seconds
