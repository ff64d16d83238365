"""Gaps: each answer's grounding, and the badly answered questions grouped as they are written.

A chat turn is assessed when its answer is stored: the day's answer counts move by one update, and a bad
turn joins the group whose question is most similar (or starts one) with one query and one transaction.
Reading a window is then three calls whatever the traffic: the bot, the window's day rows, the groups.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from minirag.domain.chat import Chat, Message
from minirag.domain.errors import NotFoundError, UnprocessableError
from minirag.domain.gaps import GapDay, GapGroup, compact, gap_reasons, grounding, nearest
from minirag.domain.ids import new_id
from minirag.domain.knowledge import BotProfile
from minirag.domain.models import Principal
from minirag.ports import BotRepository, ChatRepository, Clock, Embedder, Queue

log = logging.getLogger("minirag.gaps")
MAX_WINDOW_DAYS = 366
DEFAULT_WINDOW_DAYS = 30
MAX_GROUPS = 200
GAP_FEEDBACK = "gap_feedback"  # the work command of a negative rating


class GapRepository(Protocol):
    def groups(self, *, tenant_id: str, bot_id: str) -> list[GapGroup]: ...

    def days(
        self, *, tenant_id: str, bot_id: str, first_day: str, last_day: str
    ) -> tuple[dict[str, int], list[GapDay]]: ...

    def add_group(self, *, tenant_id: str, group: GapGroup, day: str) -> None: ...

    def add_to_group(
        self, *, tenant_id: str, group: GapGroup, day: str, latest: dict[str, Any], reasons: list[str]
    ) -> int: ...

    def set_curated(self, *, tenant_id: str, bot_id: str, group_id: str, curated_id: str | None) -> None: ...

    def get(self, *, tenant_id: str, bot_id: str, group_id: str) -> GapGroup | None: ...


@dataclass(frozen=True)
class GapSettings:
    similarity: float = 0.65  # cosine similarity of two questions' embeddings that puts them in one group
    min_score: float | None = None  # a top retrieval score under this is a gap (None: not checked)
    alert_count: int = 3  # a group reaching this many questions sends the chat.gap webhook event
    not_found_phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class GapWindow:
    first_day: str
    last_day: str
    groups: list[GapGroup]
    days: list[GapDay]


class GapService:
    def __init__(
        self,
        *,
        gaps: GapRepository,
        bots: BotRepository,
        embedder_for: Callable[[BotProfile], Embedder],
        clock: Clock,
        settings: GapSettings,
        publish: Callable[[str, str, dict[str, Any]], object] | None = None,
        chats: ChatRepository | None = None,
        queue: Queue | None = None,
    ) -> None:
        self._gaps = gaps
        self._bots = bots
        self._embedder_for = embedder_for
        self._clock = clock
        self.settings = settings
        self._publish = publish
        self._chats = chats
        self._queue = queue

    # --- write time ----------------------------------------------------------------------------------
    def assess(self, answer: Message, *, curated: bool) -> None:
        """Sets the answer's grounding from its text and the passages it was given."""
        if curated:
            answer.cited, answer.not_found = True, False
            answer.top_score = max((c.score for c in answer.sources), default=None)
            return
        found = grounding(
            answer.content,
            [c.score for c in answer.sources],
            [c.n for c in answer.sources],
            self.settings.not_found_phrases,
        )
        answer.top_score, answer.cited, answer.not_found = found.top_score, found.cited, found.not_found

    def reasons(self, answer: Message) -> list[str]:
        if answer.error is not None or answer.curated_answer_id is not None:
            return []
        return gap_reasons(
            not_found=answer.not_found,
            top_score=answer.top_score,
            feedback=answer.feedback,
            min_score=self.settings.min_score,
        )

    def record(
        self,
        bot: BotProfile,
        chat: Chat,
        *,
        question: str,
        answer: Message,
        vector: list[float] | None,
        reasons: list[str],
    ) -> str | None:
        """For a bad turn, its group (with the day's gap count); returns the group id. The day's answer
        counts were written with the answer itself. Never raises: the answer is already stored, and a
        failed grouping must not cost the user the answer."""
        if not reasons:
            return None
        try:
            gap_id = self._group(bot, chat, question, answer, vector, reasons)
        except Exception:
            log.exception("the turn's gap counts were not written", extra={"message_id": answer.id})
            return None
        return gap_id

    def rated_negative(self, tenant_id: str, chat_id: str, message_id: str) -> None:
        """A negative rating on an answer not yet counted as a gap makes it one, in the worker: grouping
        embeds the question, and the API function that takes the rating has no embedder."""
        command = {"type": GAP_FEEDBACK, "tenant_id": tenant_id, "chat_id": chat_id, "message_id": message_id}
        if self._queue is not None:
            self._queue.send(command)
        else:
            self.handle(command)

    def handle(self, command: dict[str, Any]) -> None:
        """The worker's side of `rated_negative`; a rating changed or counted meanwhile is left alone."""
        if self._chats is None:
            return
        tenant_id, chat_id = command["tenant_id"], command["chat_id"]
        answer = self._chats.get_message(
            tenant_id=tenant_id, chat_id=chat_id, message_id=command["message_id"]
        )
        chat = self._chats.get(tenant_id=tenant_id, chat_id=chat_id)
        if answer is None or chat is None or answer.feedback != "negative" or answer.gap_id is not None:
            return
        bot = self._bots.get(tenant_id=tenant_id, bot_id=chat.bot_profile_id)
        earlier = self._chats.messages(tenant_id=tenant_id, chat_id=chat_id)
        asked = [m for m in earlier if m.role == "user" and m.id < answer.id]
        if bot is None or not asked:
            return
        answer.gap_id = self._group(bot, chat, asked[-1].content, answer, None, ["negative_feedback"])
        self._chats.save_message(tenant_id=tenant_id, message=answer)

    def _group(
        self,
        bot: BotProfile,
        chat: Chat,
        question: str,
        answer: Message,
        vector: list[float] | None,
        reasons: list[str],
    ) -> str:
        vector = vector or self._embedder_for(bot).embed([question])[0]
        groups = self._gaps.groups(tenant_id=bot.tenant_id, bot_id=bot.id)
        best, score = nearest(vector, ((g, g.vector) for g in groups))
        day = answer.created_at.date().isoformat()
        latest: dict[str, Any] = {
            "last_at": answer.created_at,
            "latest_question": question,
            "latest_answer": answer.content,
            "latest_chat_id": chat.id,
            "latest_message_id": answer.id,
            "latest_sources": [
                {"source_id": c.source_id, "source_name": c.source_name} for c in answer.sources
            ],
        }
        if best is not None and score >= self.settings.similarity:
            before = self._gaps.add_to_group(
                tenant_id=bot.tenant_id, group=best, day=day, latest=latest, reasons=reasons
            )
            self._alert(bot, best, before + 1)
            return best.id
        group = GapGroup(
            id=new_id(),
            bot_id=bot.id,
            question=question,
            count=1,
            first_at=answer.created_at,
            vector=compact(vector),
            reasons=dict.fromkeys(reasons, 1),
            **latest,
        )
        self._gaps.add_group(tenant_id=bot.tenant_id, group=group, day=day)
        self._alert(bot, group, 1)
        return group.id

    def _alert(self, bot: BotProfile, group: GapGroup, count: int) -> None:
        if self._publish is None or count != self.settings.alert_count:
            return
        data = {"bot_profile_id": bot.id, "gap_id": group.id, "question": group.question, "count": count}
        try:
            self._publish(bot.tenant_id, "chat.gap", data)
        except Exception:
            log.warning("chat.gap event not published", extra={"gap_id": group.id})

    def answered(
        self, *, bot: BotProfile, gap_id: str, curated_id: str | None, check_only: bool = False
    ) -> None:
        """A curated answer written for (or removed from) a gap; a gap id that is not the bot's is 422."""
        if self._gaps.get(tenant_id=bot.tenant_id, bot_id=bot.id, group_id=gap_id) is None:
            raise UnprocessableError("gap_id is not a gap of this bot")
        if not check_only:
            self._gaps.set_curated(
                tenant_id=bot.tenant_id, bot_id=bot.id, group_id=gap_id, curated_id=curated_id
            )

    # --- reads ---------------------------------------------------------------------------------------
    def window(self, principal: Principal, bot_id: str, first: date | None, last: date | None) -> GapWindow:
        """Groups asked within first..last (inclusive; the last 30 days by default), most asked first."""
        bot = self._bots.get(tenant_id=principal.tenant_id, bot_id=bot_id)
        if bot is None:
            raise NotFoundError("bot profile not found")
        last = last or self._clock.now().date()
        first = first or last - timedelta(days=DEFAULT_WINDOW_DAYS - 1)
        if first > last:
            raise UnprocessableError("from must not be after to")
        if (last - first).days >= MAX_WINDOW_DAYS:
            raise UnprocessableError(f"a window spans at most {MAX_WINDOW_DAYS} days")
        counts, days = self._gaps.days(
            tenant_id=principal.tenant_id,
            bot_id=bot.id,
            first_day=first.isoformat(),
            last_day=last.isoformat(),
        )
        groups = [
            g for g in self._gaps.groups(tenant_id=principal.tenant_id, bot_id=bot.id) if g.id in counts
        ]
        for group in groups:
            group.window_count = counts[group.id]
        groups.sort(key=lambda g: (g.window_count, g.last_at), reverse=True)
        return GapWindow(
            first.isoformat(), last.isoformat(), groups[:MAX_GROUPS], sorted(days, key=lambda d: d.day)
        )
