"""Curated answers, TENANT#t / CURATED#<bot>#<id>. Each write also gives the bot a new sources revision in
the same transaction: chat caches a bot's curated answers under that revision, as it does its sources."""

from minirag.adapters.dynamodb import keys
from minirag.adapters.dynamodb.items import BotItem, CuratedItem
from minirag.adapters.dynamodb.tables import DynamoTables, storage_errors, transaction
from minirag.domain.gaps import CuratedAnswer
from minirag.domain.ids import new_id


def curated_sk(bot_id: str, curated_id: str) -> str:
    return f"CURATED#{bot_id}#{curated_id}"


class DynamoCuratedRepository:
    def __init__(self, tables: DynamoTables) -> None:
        self._tables = tables
        self._item = tables.model(CuratedItem)
        self._bot = tables.model(BotItem)

    def save(self, *, curated: CuratedAnswer, create: bool) -> None:
        """Create (the id must be new) or replace (it must exist); the bot must exist either way."""
        item = self._item(
            keys.tenant_pk(curated.tenant_id),
            curated_sk(curated.bot_id, curated.id),
            curated_id=curated.id,
            bot_id=curated.bot_id,
            question=curated.question,
            answer=curated.answer,
            variants=curated.variants,
            gap_id=curated.gap_id,
            embedding_model=curated.embedding_model,
            vectors=curated.vectors,
            created_at=curated.created_at,
            updated_at=curated.updated_at,
        )
        exists = self._item.pk.exists()
        with (
            storage_errors("the curated answer or its bot changed meanwhile"),
            transaction(self._tables) as tx,
        ):
            tx.save(item, condition=self._item.pk.does_not_exist() if create else exists)
            self._touch_bot(tx, curated.tenant_id, curated.bot_id)

    def delete(self, *, tenant_id: str, bot_id: str, curated_id: str) -> None:
        item = self._item(keys.tenant_pk(tenant_id), curated_sk(bot_id, curated_id))
        with storage_errors("the curated answer was deleted meanwhile"), transaction(self._tables) as tx:
            tx.delete(item, condition=self._item.pk.exists())
            self._touch_bot(tx, tenant_id, bot_id)

    def get(self, *, tenant_id: str, bot_id: str, curated_id: str) -> CuratedAnswer | None:
        with storage_errors():
            try:
                item = self._item.get(
                    keys.tenant_pk(tenant_id), curated_sk(bot_id, curated_id), consistent_read=True
                )
            except self._item.DoesNotExist:
                return None
        return self._of(item, tenant_id)

    def list_for_bot(self, *, tenant_id: str, bot_id: str) -> list[CuratedAnswer]:
        with storage_errors():
            found = self._item.query(
                keys.tenant_pk(tenant_id), self._item.sk.startswith(f"CURATED#{bot_id}#")
            )
            return [self._of(item, tenant_id) for item in found]

    def _touch_bot(self, tx: object, tenant_id: str, bot_id: str) -> None:
        bot = self._bot(keys.tenant_pk(tenant_id), keys.bot_sk(bot_id))
        tx.update(bot, actions=[self._bot.sources_rev.set(new_id())], condition=self._bot.pk.exists())  # type: ignore[attr-defined]

    @staticmethod
    def _of(item: CuratedItem, tenant_id: str) -> CuratedAnswer:
        return CuratedAnswer(
            id=item.curated_id,
            tenant_id=tenant_id,
            bot_id=item.bot_id,
            question=item.question,
            answer=item.answer,
            variants=list(item.variants or []),
            gap_id=item.gap_id,
            embedding_model=item.embedding_model or "",
            vectors=[[float(x) for x in v] for v in (item.vectors or [])],
            created_at=item.created_at,
            updated_at=item.updated_at,
        )
