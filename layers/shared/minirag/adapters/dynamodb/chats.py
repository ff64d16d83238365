"""Chats and messages. The assistant message, the chat's totals and the day's usage land in one transaction."""

from typing import Any

from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from minirag.adapters.dynamodb import keys
from minirag.adapters.dynamodb.items import ChatItem, MessageItem, UsageItem
from minirag.adapters.dynamodb.stats import add_to_totals, shard
from minirag.adapters.dynamodb.tables import DynamoTables, query_index, storage_errors, transaction
from minirag.domain.chat import Chat, Citation, Message
from minirag.ports import Page

_MESSAGE_FIELDS = (
    "chat_id",
    "role",
    "content",
    "prompt_tokens",
    "completion_tokens",
    "feedback",
    "feedback_comment",
    "error",
    "model",
    "cost_usd",
    "latency_ms",
    "time_to_first_token_ms",
    "stream_ms",
    "created_at",
)
_INTS = {"prompt_tokens", "completion_tokens", "latency_ms", "time_to_first_token_ms", "stream_ms"}


def _message_counts(message: Message) -> dict[str, int]:
    return {
        "messages": 1,
        "prompt_tokens": message.prompt_tokens,
        "completion_tokens": message.completion_tokens,
    }


class DynamoChatRepository:
    def __init__(self, tables: DynamoTables) -> None:
        self._tables = tables
        self._chat = tables.model(ChatItem)
        self._message = tables.model(MessageItem)
        self._usage = tables.model(UsageItem)

    # --- chats ---------------------------------------------------------------------------------------
    def create(self, *, chat: Chat, first: Message | None = None) -> None:
        """The chat row, and its first message when given, in one transaction (a first turn's one write)."""
        item = self._chat(
            keys.tenant_pk(chat.tenant_id),
            keys.chat_sk(chat.id),
            chat_id=chat.id,
            bot_id=chat.bot_profile_id,
            title=chat.title,
            origin=chat.origin,
            created_at=chat.created_at,
            updated_at=first.created_at if first else chat.updated_at,
            message_count=1 if first else 0,
            total_prompt_tokens=first.prompt_tokens if first else 0,
            total_completion_tokens=first.completion_tokens if first else 0,
            gsi1pk=keys.bot_chats_pk(chat.tenant_id, chat.bot_profile_id),
            gsi1sk=keys.chat_sk(chat.id),
        )
        counts = {"chats": 1}
        with storage_errors("chat already exists"), transaction(self._tables) as tx:
            tx.save(item, condition=self._chat.pk.does_not_exist())
            if first is not None:
                message = self._message_item(chat.tenant_id, first)
                tx.save(message, condition=self._message.pk.does_not_exist())
                counts |= _message_counts(first)
            add_to_totals(tx, self._usage, chat.tenant_id, **counts)

    def get(self, *, tenant_id: str, chat_id: str) -> Chat | None:
        with storage_errors():
            try:
                item = self._chat.get(keys.tenant_pk(tenant_id), keys.chat_sk(chat_id), consistent_read=True)
            except self._chat.DoesNotExist:
                return None
        return self._chat_of(item, tenant_id)

    def list_page(
        self, *, tenant_id: str, bot_id: str | None, limit: int, start: dict[str, Any] | None
    ) -> Page[Chat]:
        with storage_errors():
            if bot_id:
                raw = query_index(
                    self._tables,
                    "gsi1",
                    "gsi1pk",
                    keys.bot_chats_pk(tenant_id, bot_id),
                    limit=limit,
                    forward=False,
                    start=start,
                )
                chats = [self._chat_of(self._chat.from_raw_data(r), tenant_id) for r in raw.get("Items", [])]
                return Page(chats, raw.get("LastEvaluatedKey"))
            found = self._chat.query(
                keys.tenant_pk(tenant_id),
                self._chat.sk.startswith("CHAT#"),
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=start,
            )
            chats = [self._chat_of(item, tenant_id) for item in found]
            return Page(chats, found.last_evaluated_key)

    # --- messages ------------------------------------------------------------------------------------
    def add_message(self, *, tenant_id: str, message: Message, bot_id: str, title: str | None = None) -> None:
        """Message and chat counters together; an assistant message also adds the day's usage."""
        chat = self._chat(keys.tenant_pk(tenant_id), keys.chat_sk(message.chat_id))
        actions: list[Action] = [
            self._chat.message_count.add(1),
            self._chat.updated_at.set(message.created_at),
            self._chat.total_prompt_tokens.add(message.prompt_tokens),
            self._chat.total_completion_tokens.add(message.completion_tokens),
        ]
        if title:
            actions.append(self._chat.title.set(title))
        with storage_errors("chat was deleted meanwhile"):
            with transaction(self._tables) as tx:
                tx.save(self._message_item(tenant_id, message), condition=self._message.pk.does_not_exist())
                tx.update(chat, actions=actions, condition=self._chat.pk.exists())
                if message.role == "assistant" and message.model:
                    self._add_usage(tx, tenant_id, message, bot_id)
                    self._answer_extras(tx, tenant_id, message, bot_id)
                add_to_totals(tx, self._usage, tenant_id, **_message_counts(message))

    def _answer_extras(self, tx: TransactWrite, tenant_id: str, message: Message, bot_id: str) -> None:
        """Further counters an answer moves in its own transaction (subclasses)."""

    def _add_usage(self, tx: TransactWrite, tenant_id: str, message: Message, bot_id: str) -> None:
        day, n = message.created_at.date().isoformat(), shard()
        for sk, model, bot in (
            (keys.usage_model_sk(day, message.model or "", n), message.model, None),
            (keys.usage_bot_sk(day, bot_id, n), message.model, bot_id),
        ):
            item = self._usage(keys.usage_pk(tenant_id), sk)
            tx.update(
                item,
                actions=[
                    self._usage.day.set(day),
                    self._usage.model.set(model or ""),
                    self._usage.prompt_tokens.add(message.prompt_tokens),
                    self._usage.completion_tokens.add(message.completion_tokens),
                    self._usage.requests.add(1),
                    self._usage.cost_usd.add(float(message.cost_usd)),
                    *([self._usage.bot_id.set(bot)] if bot else []),
                ],
            )

    def messages(self, *, tenant_id: str, chat_id: str, newest: int | None = None) -> list[Message]:
        """Ascending; with `newest`, only the last `newest` messages (one descending query)."""
        with storage_errors():
            found = self._message.query(
                keys.messages_pk(tenant_id, chat_id),
                self._message.sk.startswith("MSG#"),
                scan_index_forward=newest is None,
                limit=newest,
                consistent_read=True,
            )
            items = [self._message_of(item) for item in found]
        return items if newest is None else list(reversed(items))

    def get_message(self, *, tenant_id: str, chat_id: str, message_id: str) -> Message | None:
        with storage_errors():
            try:
                item = self._message.get(
                    keys.messages_pk(tenant_id, chat_id), keys.message_sk(message_id), consistent_read=True
                )
            except self._message.DoesNotExist:
                return None
        return self._message_of(item)

    def save_message(self, *, tenant_id: str, message: Message) -> None:
        with storage_errors("message was deleted meanwhile"):
            self._message_item(tenant_id, message).save(condition=self._message.pk.exists())

    # --- mapping -------------------------------------------------------------------------------------
    def _message_item(self, tenant_id: str, m: Message) -> MessageItem:
        values: dict[str, Any] = {name: getattr(m, name) for name in _MESSAGE_FIELDS}
        values["cost_usd"] = float(m.cost_usd)
        return self._message(
            keys.messages_pk(tenant_id, m.chat_id),
            keys.message_sk(m.id),
            message_id=m.id,
            sources=[c.as_dict() for c in m.sources],
            **values,
        )

    @staticmethod
    def _message_of(item: MessageItem) -> Message:
        values: dict[str, Any] = {name: getattr(item, name) for name in _MESSAGE_FIELDS}
        for name in _INTS:
            values[name] = int(values[name]) if values[name] is not None else None
        values["prompt_tokens"] = values["prompt_tokens"] or 0
        values["completion_tokens"] = values["completion_tokens"] or 0
        values["cost_usd"] = float(values["cost_usd"] or 0)
        sources = [Citation(**c) for c in (item.sources or [])]
        return Message(id=item.message_id, sources=sources, **values)

    @staticmethod
    def _chat_of(item: ChatItem, tenant_id: str) -> Chat:
        return Chat(
            id=item.chat_id,
            tenant_id=tenant_id,
            bot_profile_id=item.bot_id,
            title=item.title,
            created_at=item.created_at,
            updated_at=item.updated_at,
            origin=item.origin,
            message_count=int(item.message_count),
            total_prompt_tokens=int(item.total_prompt_tokens),
            total_completion_tokens=int(item.total_completion_tokens),
        )
