"""Bot profiles, one item each under their tenant."""

from minirag.adapters.dynamodb import keys
from minirag.adapters.dynamodb.items import BotItem
from minirag.adapters.dynamodb.tables import DynamoTables, storage_errors
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
    "created_at",
    "updated_at",
)
_INTS = {"max_tokens", "top_k", "chunk_size", "chunk_overlap"}


class DynamoBotRepository:
    def __init__(self, tables: DynamoTables) -> None:
        self._bot = tables.model(BotItem)

    def _item(self, tenant_id: str, bot: BotProfile) -> BotItem:
        values = {name: getattr(bot, name) for name in _FIELDS}
        return self._bot(keys.tenant_pk(tenant_id), keys.bot_sk(bot.id), bot_id=bot.id, **values)

    @staticmethod
    def _bot_of(item: BotItem, tenant_id: str) -> BotProfile:
        values = {name: getattr(item, name) for name in _FIELDS}
        for name in _INTS:
            if values[name] is not None:
                values[name] = int(values[name])
        return BotProfile(id=item.bot_id, tenant_id=tenant_id, **values)

    def add(self, *, tenant_id: str, bot: BotProfile) -> None:
        with storage_errors("bot already exists"):
            self._item(tenant_id, bot).save(condition=self._bot.pk.does_not_exist())

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
