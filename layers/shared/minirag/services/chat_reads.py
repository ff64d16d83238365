"""Reading chats back, and the one change made to a stored answer: the user's feedback on it."""

from collections.abc import Callable

from minirag.domain.chat import Chat, Message
from minirag.domain.errors import InvalidInputError, NotFoundError, UnprocessableError
from minirag.domain.models import Principal
from minirag.ports import ChatRepository
from minirag.security.crypto import SecretBox


class ChatReader:
    def __init__(
        self,
        *,
        chats: ChatRepository,
        cursors: SecretBox,
        count_feedback: Callable[..., object] | None = None,
    ) -> None:
        self._chats = chats
        self._cursors = cursors
        self._count_feedback = count_feedback

    def get(self, principal: Principal, chat_id: str) -> Chat:
        chat = self._chats.get(tenant_id=principal.tenant_id, chat_id=chat_id)
        if chat is None or not _may_use(principal, chat):
            raise NotFoundError("chat not found")
        return chat

    def list_chats(
        self, principal: Principal, *, bot_id: str | None, limit: int, cursor: str | None, offset: int = 0
    ) -> tuple[list[Chat], str | None]:
        """Newest first. The cursor is the storage key, encrypted and bound to the tenant and to the bot
        filter it was issued for (a bot's chats come from an index whose keys the table query refuses).
        `offset` (the original MiniRAG's paging) skips that many chats after the cursor, read in pages."""
        start = None
        if cursor:
            sealed = self._cursors.decode_cursor(principal.tenant_id, cursor)
            if sealed.get("bot") != (bot_id or "") or not isinstance(sealed.get("key"), dict):
                raise InvalidInputError("invalid cursor")
            start = sealed["key"]
        while offset > 0:
            skipped = self._chats.list_page(
                tenant_id=principal.tenant_id, bot_id=bot_id, limit=min(offset, 200), start=start
            )
            offset -= len(skipped.items)
            if not skipped.last_key:
                return [], None
            start = skipped.last_key
        page = self._chats.list_page(tenant_id=principal.tenant_id, bot_id=bot_id, limit=limit, start=start)
        chats = [c for c in page.items if _may_use(principal, c)]
        next_cursor = None
        if page.last_key:
            next_cursor = self._cursors.encode_cursor(
                principal.tenant_id, {"bot": bot_id or "", "key": page.last_key}
            )
        return chats, next_cursor

    def feedback(
        self, principal: Principal, chat_id: str, message_id: str, feedback: str | None, comment: str | None
    ) -> Message:
        self.get(principal, chat_id)
        message = self._chats.get_message(
            tenant_id=principal.tenant_id, chat_id=chat_id, message_id=message_id
        )
        if message is None:
            raise NotFoundError("message not found")
        _check_feedback(message, feedback)
        before = message.feedback
        message.feedback = feedback
        message.feedback_comment = comment if feedback is not None else None
        self._chats.save_message(tenant_id=principal.tenant_id, message=message)
        if self._count_feedback is not None and before != feedback:
            chat = self.get(principal, chat_id)
            self._count_feedback(
                tenant_id=principal.tenant_id,
                day=message.created_at.date().isoformat(),
                bot_id=chat.bot_profile_id,
                positive=_delta(before, feedback, "positive"),
                negative=_delta(before, feedback, "negative"),
            )
        if feedback == "negative" and before != feedback:
            self._rated_negative(principal, chat_id, message)
        return message

    def _rated_negative(self, principal: Principal, chat_id: str, message: Message) -> None:
        """Hook: the chat service counts the turn among the gaps."""

    def messages(self, principal: Principal, chat_id: str) -> list[Message]:
        self.get(principal, chat_id)
        return self._chats.messages(tenant_id=principal.tenant_id, chat_id=chat_id)


def _delta(before: str | None, after: str | None, value: str) -> int:
    return (after == value) - (before == value)


def _check_feedback(message: Message, feedback: str | None) -> None:
    if message.role != "assistant":
        raise UnprocessableError("feedback is for assistant messages only")
    if feedback not in (None, "positive", "negative"):
        raise UnprocessableError("feedback is positive, negative or null")


def _may_use(principal: Principal, chat: Chat) -> bool:
    """A widget or agent key sees only the chats it started; tenant credentials see all of the tenant's."""
    if principal.kind in ("widget", "agent"):
        return chat.origin == f"{principal.kind}:{principal.token_id}"
    return True
