"""Sources under their tenant, with the sparse refresh index and conditional status claims."""

from datetime import datetime
from typing import Any

from pynamodb.expressions.update import Action

from minirag.adapters.dynamodb import keys
from minirag.adapters.dynamodb.items import BotItem, SourceItem, UsageItem
from minirag.adapters.dynamodb.stats import add_to_totals
from minirag.adapters.dynamodb.tables import DynamoTables, query_index, storage_errors, transaction
from minirag.domain.errors import ConflictError, NotFoundError
from minirag.domain.ids import new_id
from minirag.domain.knowledge import RefreshSchedule, Source, SourceStatus, SourceType

_FIELDS = (
    "parent_id",
    "name",
    "description",
    "config",
    "blob_key",
    "document_count",
    "chunk_count",
    "progress_done",
    "progress_total",
    "error_message",
    "is_active",
    "last_refreshed_at",
    "next_refresh_at",
    "content_hash",
    "version",
    "children_count",
    "deleted_at",
    "created_at",
    "updated_at",
)
_PER_TRANSACTION = 99  # and the TOTALS item: DynamoDB's limit is 100 items a transaction
_INTS = {"document_count", "chunk_count", "progress_done", "progress_total", "version", "children_count"}


class DynamoSourceRepository:
    def __init__(self, tables: DynamoTables) -> None:
        self._tables = tables
        self._source = tables.model(SourceItem)
        self._bot = tables.model(BotItem)
        self._usage = tables.model(UsageItem)

    def _item(self, tenant_id: str, s: Source) -> SourceItem:
        values: dict[str, Any] = {name: getattr(s, name) for name in _FIELDS}
        item = self._source(
            keys.tenant_pk(tenant_id),
            keys.source_sk(s.id),
            source_id=s.id,
            bot_id=s.bot_profile_id,
            source_type=s.source_type.value,
            status=s.status.value,
            refresh_schedule=s.refresh_schedule.value,
            **values,
        )
        if s.refresh_schedule != RefreshSchedule.NONE and s.next_refresh_at and s.is_active:
            item.refresh_pk, item.refresh_sk = keys.refresh_keys(
                tenant_id, s.id, s.next_refresh_at.isoformat()
            )
        return item

    @staticmethod
    def _source_of(item: SourceItem, tenant_id: str) -> Source:
        values: dict[str, Any] = {name: getattr(item, name) for name in _FIELDS}
        for name in _INTS:
            values[name] = int(values[name] or 0)
        values["config"] = values["config"] or {}
        return Source(
            id=item.source_id,
            tenant_id=tenant_id,
            bot_profile_id=item.bot_id,
            source_type=SourceType(item.source_type),
            status=SourceStatus(item.status),
            refresh_schedule=RefreshSchedule(item.refresh_schedule),
            **values,
        )

    def add_many(self, *, tenant_id: str, sources: list[Source]) -> None:
        """Transactions of 99 sources and the tenant's source count (DynamoDB takes 100 items a transaction)."""
        with storage_errors("source already exists"):
            for start in range(0, len(sources), _PER_TRANSACTION):
                chunk = sources[start : start + _PER_TRANSACTION]
                with transaction(self._tables) as tx:
                    for s in chunk:
                        tx.save(self._item(tenant_id, s), condition=self._source.pk.does_not_exist())
                    add_to_totals(tx, self._usage, tenant_id, sources=len(chunk))

    def save(self, *, tenant_id: str, source: Source) -> None:
        with storage_errors("source was deleted meanwhile"):
            self._item(tenant_id, source).save(condition=self._source.pk.exists())
        self._new_revision(tenant_id, source.bot_profile_id)

    def _new_revision(self, tenant_id: str, bot_id: str) -> None:
        """After the write: a reader that sees the new revision reads the sources as written.
        A new source needs none (version 0 is not live until ingestion saves it)."""
        item = self._bot(keys.tenant_pk(tenant_id), keys.bot_sk(bot_id))
        try:
            with storage_errors():
                item.update(actions=[self._bot.sources_rev.set(new_id())], condition=self._bot.pk.exists())
        except ConflictError:
            pass  # the bot is gone: nobody chats with it

    def get(self, *, tenant_id: str, source_id: str) -> Source | None:
        with storage_errors():
            try:
                item = self._source.get(
                    keys.tenant_pk(tenant_id), keys.source_sk(source_id), consistent_read=True
                )
            except self._source.DoesNotExist:
                return None
        return self._source_of(item, tenant_id)

    def list_all(self, *, tenant_id: str) -> list[Source]:
        with storage_errors():
            found = self._source.query(keys.tenant_pk(tenant_id), self._source.sk.startswith("SOURCE#"))
            return [self._source_of(item, tenant_id) for item in found]

    def claim(self, *, tenant_id: str, source_id: str, at: datetime) -> Source:
        item = self._source(keys.tenant_pk(tenant_id), keys.source_sk(source_id))
        actions: list[Action] = [
            self._source.status.set(SourceStatus.PROCESSING.value),
            self._source.progress_done.set(0),
            self._source.progress_total.set(0),
            self._source.error_message.remove(),
            self._source.updated_at.set(at),
        ]
        condition = self._source.pk.exists() & (self._source.status != SourceStatus.PROCESSING.value)
        try:
            with storage_errors("source is already processing"):
                item.update(actions=actions, condition=condition)
        except ConflictError:
            if self.get(tenant_id=tenant_id, source_id=source_id) is None:
                raise NotFoundError("source not found") from None
            raise
        return self._source_of(item, tenant_id)

    def progress(self, *, tenant_id: str, source_id: str, done: int, total: int) -> None:
        item = self._source(keys.tenant_pk(tenant_id), keys.source_sk(source_id))
        with storage_errors():
            item.update(
                actions=[self._source.progress_done.set(done), self._source.progress_total.set(total)],
                condition=self._source.pk.exists(),
            )

    def retire(self, *, tenant_id: str, bot_id: str, sources: list[Source]) -> None:
        """Tombstones (deleted_at set) for sources not deleted yet, with the tenant's source count; a
        concurrent delete of the same source gets ConflictError."""
        with storage_errors("source was deleted meanwhile"):
            for start in range(0, len(sources), _PER_TRANSACTION):
                chunk = sources[start : start + _PER_TRANSACTION]
                with transaction(self._tables) as tx:
                    for source in chunk:
                        condition = self._source.pk.exists() & self._source.deleted_at.does_not_exist()
                        tx.save(self._item(tenant_id, source), condition=condition)
                    add_to_totals(tx, self._usage, tenant_id, sources=-len(chunk))
        self._new_revision(tenant_id, bot_id)

    def due_for_refresh(self, *, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(tenant_id, source_id) pairs whose next run is due, read from the sparse index: no table scan."""
        due: list[tuple[str, str]] = []
        with storage_errors():
            for shard in range(keys.REFRESH_SHARDS):
                found = query_index(
                    self._tables,
                    "refresh",
                    "refresh_pk",
                    f"REFRESH#{shard}",
                    limit=limit,
                    range_name="refresh_sk",
                    range_at_most=now.isoformat() + "~",
                )
                for raw in found.get("Items", []):
                    _, tenant_id, source_id = raw["refresh_sk"]["S"].rsplit("#", 2)
                    due.append((tenant_id, source_id))
        return due[:limit]
