"""Fixed-window counters shared by every Lambda instance: one atomic ADD per event or block, expired by TTL."""

from datetime import UTC, datetime

from minirag.adapters.dynamodb import keys
from minirag.adapters.dynamodb.items import CounterItem
from minirag.adapters.dynamodb.tables import DynamoTables, storage_errors


def _window(now: datetime, window_seconds: int) -> int:
    return int(now.timestamp()) // window_seconds * window_seconds


class DynamoRateLimiter:
    def __init__(self, tables: DynamoTables) -> None:
        self._counter = tables.model(CounterItem)

    def hit(self, *, key: str, window_seconds: int, now: datetime, amount: int = 1) -> int:
        start = _window(now, window_seconds)
        item = self._counter(*keys.counter(key, start))
        expires = datetime.fromtimestamp(start + 2 * window_seconds, UTC)
        with storage_errors():
            item.update(actions=[self._counter.hits.add(amount), self._counter.ttl.set(expires)])
        return int(item.hits)

    def count(self, *, key: str, window_seconds: int, now: datetime) -> int:
        with storage_errors():
            try:
                item = self._counter.get(
                    *keys.counter(key, _window(now, window_seconds)), consistent_read=True
                )
            except self._counter.DoesNotExist:
                return 0
        return int(item.hits)

    def reset(self, *, key: str, window_seconds: int, now: datetime) -> None:
        with storage_errors():
            self._counter(*keys.counter(key, _window(now, window_seconds))).delete()
