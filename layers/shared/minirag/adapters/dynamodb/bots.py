"""Bot profiles, one item each under their tenant."""

from datetime import datetime

from minirag.adapters.dynamodb import keys
from minirag.adapters.dynamodb.items import BotItem, UsageItem
from minirag.adapters.dynamodb.stats import add_to_totals
from minirag.adapters.dynamodb.tables import DynamoTables, storage_errors, transaction
from minirag.domain.errors import ConflictError, NotFoundError
from minirag.domain.ids import new_id
from minirag.domain.knowledge import BotProfile

_FIELDS = (
    "name",
    "description",
    "model",
    "embedding_model",
    "system_prompt",
    "temperature",
    "max_tokens",
    "top_k",
    "score_threshold",
    "chunk_size",
    "chunk_overlap",
    "credentials_sealed",
    "is_active",
    "retrieval_mode",
    "rerank_model",
    "greeting",
    "curated_threshold",
    "created_at",
    "updated_at",
)
_INTS = {"max_tokens", "top_k", "chunk_size", "chunk_overlap"}


class DynamoBotRepository:
    def __init__(self, tables: DynamoTables) -> None:
        self._tables = tables
        self._bot = tables.model(BotItem)
        self._usage = tables.model(UsageItem)

    def _item(self, tenant_id: str, bot: BotProfile) -> BotItem:
        """A whole-item put, so it also writes a new sources revision: never one a reader has cached."""
        values = {name: getattr(bot, name) for name in _FIELDS}
        return self._bot(
            keys.tenant_pk(tenant_id), keys.bot_sk(bot.id), bot_id=bot.id, sources_rev=new_id(), **values
        )

    @staticmethod
    def _bot_of(item: BotItem, tenant_id: str) -> BotProfile:
        values = {name: getattr(item, name) for name in _FIELDS}
        for name in _INTS:
            if values[name] is not None:
                values[name] = int(values[name])
        return BotProfile(id=item.bot_id, tenant_id=tenant_id, sources_rev=item.sources_rev, **values)

    def add(self, *, tenant_id: str, bot: BotProfile) -> None:
        with storage_errors("bot already exists"), transaction(self._tables) as tx:
            tx.save(self._item(tenant_id, bot), condition=self._bot.pk.does_not_exist())
            add_to_totals(tx, self._usage, tenant_id, bot_profiles=1 if bot.is_active else 0)

    def set_active(self, *, tenant_id: str, bot_id: str, active: bool, at: datetime) -> bool:
        """One flip of is_active with the tenant's bot count; False when the bot already had that state."""
        item = self._bot(keys.tenant_pk(tenant_id), keys.bot_sk(bot_id))
        try:
            with storage_errors(), transaction(self._tables) as tx:
                tx.update(
                    item,
                    actions=[
                        self._bot.is_active.set(active),
                        self._bot.updated_at.set(at),
                        self._bot.sources_rev.set(new_id()),
                    ],
                    condition=self._bot.pk.exists() & (self._bot.is_active == (not active)),
                )
                add_to_totals(tx, self._usage, tenant_id, bot_profiles=1 if active else -1)
        except ConflictError:
            if self.get(tenant_id=tenant_id, bot_id=bot_id) is None:
                raise NotFoundError("bot profile not found") from None
            return False
        return True

    def save(self, *, tenant_id: str, bot: BotProfile) -> None:
        with storage_errors("bot was deleted meanwhile"):
            self._item(tenant_id, bot).save(condition=self._bot.pk.exists())

    def get(self, *, tenant_id: str, bot_id: str) -> BotProfile | None:
        with storage_errors():
            try:
                item = self._bot.get(keys.tenant_pk(tenant_id), keys.bot_sk(bot_id), consistent_read=True)
            except self._bot.DoesNotExist:
                return None
        return self._bot_of(item, tenant_id)

    def list_all(self, *, tenant_id: str) -> list[BotProfile]:
        with storage_errors():
            items = self._bot.query(keys.tenant_pk(tenant_id), self._bot.sk.startswith("BOT#"))
            return [self._bot_of(item, tenant_id) for item in items]
