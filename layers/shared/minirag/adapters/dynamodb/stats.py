"""Usage aggregates: per day and model, per day and bot, and the tenant's running totals.

Each of them is sharded (keys.USAGE_SHARDS items, one picked at random per write) so that one tenant's
concurrent chat turns rarely meet on an item; reads sum every item of a key, the unsharded ones written
before the shards included, so stored counts keep counting and the stats read the same numbers."""

import random
from collections import defaultdict
from typing import Any

from pynamodb.transactions import TransactWrite

from minirag.adapters.dynamodb import keys
from minirag.adapters.dynamodb.items import UsageItem
from minirag.adapters.dynamodb.tables import DynamoTables, storage_errors, transaction

_NUMBERS = (
    "prompt_tokens",
    "completion_tokens",
    "requests",
    "retrievals",
    "cost_usd",
    "positive",
    "negative",
    "chats",
    "messages",
    "embedding_tokens",
    "bot_profiles",
    "sources",
)


def shard() -> int:
    """Which of a counter's items a write moves: random, so concurrent writers spread evenly."""
    return random.randrange(keys.USAGE_SHARDS)  # noqa: S311 (load spreading, not security)


def add_to_totals(tx: TransactWrite, usage: type[UsageItem], tenant_id: str, **deltas: int) -> None:
    """ADD to one of the tenant's TOTALS shards inside the caller's transaction: counts move with what
    they count."""
    item = usage(keys.usage_pk(tenant_id), keys.usage_totals_sk(shard()))
    tx.update(item, actions=[usage.day.set("all"), *(getattr(usage, n).add(v) for n, v in deltas.items())])


def _merged(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The shards of one (kind, day, model or bot) summed into one row, in the order first met."""
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        name = row["model"] if row["kind"] == "model" else row["bot_id"]
        into = merged.setdefault((row["kind"], row["day"], name), row)
        if into is not row:
            for number in _NUMBERS:
                into[number] += row[number]
            into["model"] = into["model"] or row["model"]
    return list(merged.values())


class DynamoStatsRepository:
    def __init__(self, tables: DynamoTables) -> None:
        self._tables = tables
        self._usage = tables.model(UsageItem)

    def days(self, *, tenant_id: str, first_day: str, last_day: str) -> list[dict[str, Any]]:
        """Rows {kind: model|bot, day, model, bot_id, ...numbers} for first_day..last_day inclusive."""
        condition = self._usage.sk.between(f"DAY#{first_day}", f"DAY#{last_day}~")
        with storage_errors():
            items = list(self._usage.query(keys.usage_pk(tenant_id), condition))
        return _merged([self._row(item) for item in items])

    def totals(self, *, tenant_id: str) -> dict[str, float]:
        """One query: every TOTALS shard (and the unsharded TOTALS item of older data), summed."""
        condition = self._usage.sk.startswith(keys.USAGE_TOTALS)
        sums: dict[str, float] = defaultdict(float)
        with storage_errors():
            for item in self._usage.query(keys.usage_pk(tenant_id), condition):
                for name in _NUMBERS:
                    sums[name] += float(getattr(item, name) or 0)
        return {name: sums[name] for name in _NUMBERS}

    def add_totals(self, *, tenant_id: str, **deltas: float) -> None:
        item = self._usage(keys.usage_pk(tenant_id), keys.usage_totals_sk(shard()))
        actions = [getattr(self._usage, name).add(value) for name, value in deltas.items() if value]
        if actions:
            with storage_errors():
                item.update(actions=[self._usage.day.set("all"), *actions])

    def add_retrieval(self, *, tenant_id: str, day: str, bot_id: str, embedding_tokens: int) -> None:
        """One retrieval (the retrieve route, an MCP search) on the bot's day row and the tenant's totals."""
        day_row = self._usage(keys.usage_pk(tenant_id), keys.usage_bot_sk(day, bot_id, shard()))
        with storage_errors(), transaction(self._tables) as tx:
            tx.update(
                day_row,
                actions=[
                    self._usage.day.set(day),
                    self._usage.bot_id.set(bot_id),
                    self._usage.retrievals.add(1),
                    self._usage.embedding_tokens.add(embedding_tokens),
                ],
            )
            add_to_totals(tx, self._usage, tenant_id, retrievals=1, embedding_tokens=embedding_tokens)

    def add_feedback(self, *, tenant_id: str, day: str, bot_id: str, positive: int, negative: int) -> None:
        item = self._usage(keys.usage_pk(tenant_id), keys.usage_bot_sk(day, bot_id))
        with storage_errors():
            item.update(
                actions=[
                    self._usage.day.set(day),
                    self._usage.bot_id.set(bot_id),
                    self._usage.positive.add(positive),
                    self._usage.negative.add(negative),
                ]
            )

    @staticmethod
    def _row(item: UsageItem) -> dict[str, Any]:
        row: dict[str, Any] = {name: float(getattr(item, name) or 0) for name in _NUMBERS}
        row |= {
            "kind": "bot" if "#BOT#" in item.sk else "model",
            "day": item.day,
            "model": item.model or "",
            "bot_id": item.bot_id,
        }
        return row
