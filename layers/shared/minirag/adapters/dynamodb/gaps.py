"""Grounding on stored answers, and the gap aggregates: groups of badly answered questions and day counts.

Keys (beside keys.py, whose usage keys are being sharded in another change):
  TENANT#t#GAPS#b / GROUP#<group id>             one group
  TENANT#t#GAPS#b / DAY#<day>#GROUP#<group id>   how often the group was asked that day
  TENANT#t#GAPS#b / DAY#<day>#ANSWERS            the bot's answers that day: all, not found, curated, gaps
A window of days is one range query over DAY#; the groups one query over GROUP#.
"""

from datetime import datetime
from typing import Any

from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from minirag.adapters.dynamodb.chats import DynamoChatRepository
from minirag.adapters.dynamodb.items import GapDayItem, GapGroupItem, MessageItem
from minirag.adapters.dynamodb.tables import DynamoTables, storage_errors, transaction
from minirag.domain.chat import Message
from minirag.domain.gaps import GapDay, GapGroup

_GROUNDING = ("top_score", "cited", "not_found", "curated_answer_id", "gap_id")


def gaps_pk(tenant_id: str, bot_id: str) -> str:
    return f"TENANT#{tenant_id}#GAPS#{bot_id}"


def group_sk(group_id: str) -> str:
    return f"GROUP#{group_id}"


def day_group_sk(day: str, group_id: str) -> str:
    return f"DAY#{day}#GROUP#{group_id}"


def day_answers_sk(day: str) -> str:
    return f"DAY#{day}#ANSWERS"


class GroundedChatRepository(DynamoChatRepository):
    """The chat repository, with each answer's grounding stored on its message item."""

    def __init__(self, tables: DynamoTables) -> None:
        super().__init__(tables)
        self._day = tables.model(GapDayItem)

    def _message_item(self, tenant_id: str, m: Message) -> MessageItem:
        item = super()._message_item(tenant_id, m)
        for name in _GROUNDING:
            value = getattr(m, name)
            setattr(item, name, round(value, 6) if name == "top_score" and value is not None else value)
        return item

    def _answer_extras(self, tx: TransactWrite, tenant_id: str, message: Message, bot_id: str) -> None:
        """The bot's answer counts of the day ride in the answer's own transaction (a separate update was
        one more storage call on every turn). A failed turn is not an answer; gaps are counted with their
        group (DynamoGapRepository)."""
        if message.error is not None:
            return
        day = message.created_at.date().isoformat()
        row = self._day(gaps_pk(tenant_id, bot_id), day_answers_sk(day))
        actions: list[Action] = [self._day.day.set(day), self._day.answers.add(1)]
        actions += [self._day.not_found.add(1)] if message.not_found else []
        actions += [self._day.curated.add(1)] if message.curated_answer_id is not None else []
        tx.update(row, actions=actions)

    @staticmethod
    def _message_of(item: MessageItem) -> Message:
        message = DynamoChatRepository._message_of(item)
        for name in _GROUNDING:
            setattr(message, name, getattr(item, name, None))
        if message.top_score is not None:
            message.top_score = float(message.top_score)
        return message


class DynamoGapRepository:
    def __init__(self, tables: DynamoTables) -> None:
        self._tables = tables
        self._group = tables.model(GapGroupItem)
        self._day = tables.model(GapDayItem)

    def groups(self, *, tenant_id: str, bot_id: str) -> list[GapGroup]:
        with storage_errors():
            found = self._group.query(gaps_pk(tenant_id, bot_id), self._group.sk.startswith("GROUP#"))
            return [self._group_of(item) for item in found]

    def days(
        self, *, tenant_id: str, bot_id: str, first_day: str, last_day: str
    ) -> tuple[dict[str, int], list[GapDay]]:
        """Each group's count within the window, and the bot's answer counts per day, in one query."""
        condition = self._day.sk.between(f"DAY#{first_day}", f"DAY#{last_day}~")
        counts: dict[str, int] = {}
        days: list[GapDay] = []
        with storage_errors():
            for item in self._day.query(gaps_pk(tenant_id, bot_id), condition):
                if item.group_id:
                    counts[item.group_id] = counts.get(item.group_id, 0) + int(item.asked or 0)
                else:
                    days.append(
                        GapDay(
                            day=item.day,
                            answers=int(item.answers or 0),
                            not_found=int(item.not_found or 0),
                            curated=int(item.curated or 0),
                            gaps=int(item.gaps or 0),
                        )
                    )
        return counts, days

    def add_group(self, *, tenant_id: str, group: GapGroup, day: str) -> None:
        """A new group with its first question, and its day count, together."""
        pk = gaps_pk(tenant_id, group.bot_id)
        item = self._group(pk, group_sk(group.id), **self._values(group))
        with storage_errors("gap group already exists"), transaction(self._tables) as tx:
            tx.save(item, condition=self._group.pk.does_not_exist())
            self._count_day(tx, pk, day, group.id)

    def add_to_group(
        self, *, tenant_id: str, group: GapGroup, day: str, latest: dict[str, Any], reasons: list[str]
    ) -> int:
        """One more question in an existing group: its count, latest turn and day count move together.
        Returns the group's count before this one."""
        pk = gaps_pk(tenant_id, group.bot_id)
        item = self._group(pk, group_sk(group.id))
        merged = dict(group.reasons)
        for reason in reasons:
            merged[reason] = merged.get(reason, 0) + 1
        actions: list[Action] = [
            self._group.asked.add(1),
            self._group.reasons.set(merged),
            *(getattr(self._group, name).set(value) for name, value in latest.items()),
        ]
        with storage_errors("gap group was removed meanwhile"), transaction(self._tables) as tx:
            tx.update(item, actions=actions, condition=self._group.pk.exists())
            self._count_day(tx, pk, day, group.id)
        return group.count

    def set_curated(self, *, tenant_id: str, bot_id: str, group_id: str, curated_id: str | None) -> None:
        item = self._group(gaps_pk(tenant_id, bot_id), group_sk(group_id))
        with storage_errors("gap group not found"):
            change = (
                self._group.curated_answer_id.set(curated_id)
                if curated_id
                else self._group.curated_answer_id.remove()
            )
            item.update(actions=[change], condition=self._group.pk.exists())

    def get(self, *, tenant_id: str, bot_id: str, group_id: str) -> GapGroup | None:
        with storage_errors():
            try:
                item = self._group.get(gaps_pk(tenant_id, bot_id), group_sk(group_id), consistent_read=True)
            except self._group.DoesNotExist:
                return None
        return self._group_of(item)

    def _count_day(self, tx: Any, pk: str, day: str, group_id: str) -> None:
        """The group's count of the day, and the bot's gaps of the day, with the group's own write."""
        row = self._day(pk, day_group_sk(day, group_id))
        tx.update(
            row, actions=[self._day.day.set(day), self._day.group_id.set(group_id), self._day.asked.add(1)]
        )
        answers = self._day(pk, day_answers_sk(day))
        tx.update(answers, actions=[self._day.day.set(day), self._day.gaps.add(1)])

    @staticmethod
    def _values(group: GapGroup) -> dict[str, Any]:
        return {
            "group_id": group.id,
            "bot_id": group.bot_id,
            "question": group.question,
            "asked": group.count,
            "first_at": group.first_at,
            "last_at": group.last_at,
            "latest_question": group.latest_question,
            "latest_answer": group.latest_answer,
            "latest_chat_id": group.latest_chat_id,
            "latest_message_id": group.latest_message_id,
            "latest_sources": group.latest_sources,
            "reasons": group.reasons,
            "vector": group.vector,
            "curated_answer_id": group.curated_answer_id,
        }

    @staticmethod
    def _group_of(item: GapGroupItem) -> GapGroup:
        last_at: datetime = item.last_at
        return GapGroup(
            id=item.group_id,
            bot_id=item.bot_id,
            question=item.question,
            count=int(item.asked or 0),
            first_at=item.first_at,
            last_at=last_at,
            latest_question=item.latest_question,
            latest_answer=item.latest_answer or "",
            latest_chat_id=item.latest_chat_id,
            latest_message_id=item.latest_message_id,
            latest_sources=list(item.latest_sources or []),
            reasons={k: int(v) for k, v in (item.reasons or {}).items()},
            vector=[float(x) for x in (item.vector or [])],
            curated_answer_id=item.curated_answer_id,
        )
