"""Usage aggregates: per day and model, per day and bot, and the tenant's running totals."""

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


def add_to_totals(tx: TransactWrite, usage: type[UsageItem], tenant_id: str, **deltas: int) -> None:
    """ADD to the tenant's TOTALS item inside the caller's transaction: counts move with what they count."""
    item = usage(keys.usage_pk(tenant_id), keys.USAGE_TOTALS)
    tx.update(item, actions=[usage.day.set("all"), *(getattr(usage, n).add(v) for n, v in deltas.items())])


class DynamoStatsRepository:
    def __init__(self, tables: DynamoTables) -> None:
        self._tables = tables
        self._usage = tables.model(UsageItem)

    def days(self, *, tenant_id: str, first_day: str, last_day: str) -> list[dict[str, Any]]:
        """Rows {kind: model|bot, day, model, bot_id, ...numbers} for first_day..last_day inclusive."""
        condition = self._usage.sk.between(f"DAY#{first_day}", f"DAY#{last_day}~")
        with storage_errors():
            items = list(self._usage.query(keys.usage_pk(tenant_id), condition))
        return [self._row(item) for item in items]

    def totals(self, *, tenant_id: str) -> dict[str, float]:
        with storage_errors():
            try:
                item = self._usage.get(keys.usage_pk(tenant_id), keys.USAGE_TOTALS)
            except self._usage.DoesNotExist:
                return dict.fromkeys(_NUMBERS, 0)
        return {name: float(getattr(item, name) or 0) for name in _NUMBERS}

    def add_totals(self, *, tenant_id: str, **deltas: float) -> None:
        item = self._usage(keys.usage_pk(tenant_id), keys.USAGE_TOTALS)
        actions = [getattr(self._usage, name).add(value) for name, value in deltas.items() if value]
        if actions:
            with storage_errors():
                item.update(actions=[self._usage.day.set("all"), *actions])

    def add_retrieval(self, *, tenant_id: str, day: str, bot_id: str, embedding_tokens: int) -> None:
        """One retrieval (the retrieve route, an MCP search) on the bot's day row and the tenant's totals."""
        day_row = self._usage(keys.usage_pk(tenant_id), keys.usage_bot_sk(day, bot_id))
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
