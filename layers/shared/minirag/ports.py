"""Ports: the small interfaces services depend on. Adapters implement them; tests fake them."""

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Protocol

from minirag.domain.chat import Chat, Message
from minirag.domain.knowledge import BotProfile, Source
from minirag.domain.models import ApiToken, Session, Tenant, TokenGrant, User, WidgetGrant, WidgetKey
from minirag.domain.models_io import ModelChunk, ModelRequest
from minirag.domain.remote import RemoteEndpoint, RemoteHit, RemoteInventory
from minirag.domain.reranking import RerankRequest, RerankScore
from minirag.domain.roles import Role
from minirag.domain.vectors import PresignedUpload, VectorHit, VectorPoint, VectorQuery
from minirag.domain.webhooks import Delivery, Webhook


class Clock(Protocol):
    def now(self) -> datetime: ...


class Page[T]:
    """One page of a list plus the storage key to continue from (None at the end)."""

    def __init__(self, items: Sequence[T], last_key: dict[str, Any] | None) -> None:
        self.items = list(items)
        self.last_key = last_key


class TenantRepository(Protocol):
    def create_with_owner(self, *, tenant: Tenant, owner: User, token: ApiToken) -> None:
        """Tenant, slug guard, owner, email guard, token and token-hash guard: all or nothing."""

    def get(self, tenant_id: str) -> Tenant | None: ...

    def id_for_slug(self, slug: str) -> str | None: ...

    def ping(self) -> None:
        """Raises if the store cannot be reached."""


class UserRepository(Protocol):
    def add(self, *, tenant_id: str, user: User) -> None: ...

    def get(self, *, tenant_id: str, user_id: str) -> User | None: ...

    def list_all(self, *, tenant_id: str) -> list[User]: ...

    def find_logins(self, *, email: str, limit: int | None = None) -> list[tuple[str, str]]:
        """(tenant_id, user_id) pairs registered under this email, across tenants."""

    def find_login(self, *, email: str, tenant_id: str) -> str | None:
        """The user id registered under this email in one tenant."""

    def update(self, *, tenant_id: str, user: User, previous: User) -> None:
        """Write the new state; keeps the tenant's active-owner count, refusing to drop it to zero."""


class TokenRepository(Protocol):
    def add(self, *, tenant_id: str, token: ApiToken) -> None: ...

    def list_all(self, *, tenant_id: str) -> list[ApiToken]: ...

    def grant(self, *, token_hash: str) -> TokenGrant | None:
        """Strongly consistent read of the hash guard."""

    def touch(self, *, token_hash: str, at: datetime) -> None: ...

    def revoke(self, *, tenant_id: str, token_id: str) -> bool: ...

    def get(self, *, tenant_id: str, token_id: str) -> ApiToken | None: ...

    def bind_user(self, *, tenant_id: str, user_id: str, role: Role, active: bool) -> int:
        """Copy a user's current role and status onto the guards of the live tokens bound to the user."""


class SessionRepository(Protocol):
    def add(self, *, session: Session) -> None: ...

    def get_with_user(self, *, tenant_id: str, session_id: str, user_id: str) -> tuple[Session, User] | None:
        """Session and user in one strongly consistent read."""

    def delete(self, *, tenant_id: str, session_id: str) -> None: ...


class RateLimiter(Protocol):
    def hit(self, *, key: str, window_seconds: int, now: datetime, amount: int = 1) -> int:
        """Add `amount` events to the current fixed window atomically; returns the count after adding."""

    def count(self, *, key: str, window_seconds: int, now: datetime) -> int: ...

    def reset(self, *, key: str, window_seconds: int, now: datetime) -> None: ...


class BotRepository(Protocol):
    def add(self, *, tenant_id: str, bot: BotProfile) -> None: ...

    def get(self, *, tenant_id: str, bot_id: str) -> BotProfile | None: ...

    def list_all(self, *, tenant_id: str) -> list[BotProfile]: ...

    def set_active(self, *, tenant_id: str, bot_id: str, active: bool, at: datetime) -> bool:
        """Flips is_active (and the tenant's bot count) once; False when it already had that state.
        NotFoundError when the bot is missing."""

    def save(self, *, tenant_id: str, bot: BotProfile) -> None: ...


class SourceRepository(Protocol):
    def add_many(self, *, tenant_id: str, sources: list[Source]) -> None:
        """All or nothing (a parent and its children land together)."""

    def get(self, *, tenant_id: str, source_id: str) -> Source | None: ...

    def list_all(self, *, tenant_id: str) -> list[Source]: ...

    def save(self, *, tenant_id: str, source: Source) -> None:
        """Then a new sources revision on its bot (BotProfile.sources_rev)."""

    def claim(self, *, tenant_id: str, source_id: str, at: datetime) -> Source:
        """Mark processing unless it already is (ConflictError then)."""

    def progress(self, *, tenant_id: str, source_id: str, done: int, total: int) -> None: ...

    def retire(self, *, tenant_id: str, bot_id: str, sources: list[Source]) -> None:
        """Saves deleted sources (deleted_at set, inactive) in their place: readable by id, in no list
        and no count; ConflictError when one of them was deleted meanwhile."""

    def due_for_refresh(self, *, now: datetime, limit: int) -> list[tuple[str, str]]: ...


class Embedder(Protocol):
    model_name: str

    def embed(self, texts: list[str]) -> list[list[float]]: ...

    def count_tokens(self, text: str) -> int: ...


class VectorStore(Protocol):
    def upsert(self, *, model: str, points: list[VectorPoint]) -> None: ...

    def delete_source(self, *, tenant_id: str, source_id: str, keep_version: int | None = None) -> None: ...

    def delete_bot(self, *, tenant_id: str, bot_id: str) -> None: ...

    def count(self, *, tenant_id: str, source_id: str | None = None) -> int: ...

    def search(self, query: VectorQuery) -> list[VectorHit]: ...

    def ping(self) -> None: ...


class RemoteSearch(Protocol):
    """A knowledge base searched at question time (NyxCore; other protocols follow). Failures raise
    UnprocessableError subclasses with a message safe to show on the source."""

    def inventory(self, endpoint: RemoteEndpoint) -> RemoteInventory:
        """The connection check behind "ingest": reachable, token accepted, what it holds."""

    def search(self, endpoint: RemoteEndpoint, query: str) -> list[RemoteHit]: ...


class Queue(Protocol):
    def send(self, message: dict[str, Any], *, delay_seconds: int = 0) -> None: ...

    def send_batch(self, messages: list[dict[str, Any]]) -> None:
        """All or an error: raises DependencyUnavailableError if any message was not accepted."""


class BlobStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str, *, max_bytes: int) -> bytes: ...

    def delete_prefix(self, prefix: str) -> None: ...

    def presign_get(self, key: str, *, expires_seconds: int, filename: str) -> str: ...

    def presign_put(
        self, key: str, *, content_type: str, size: int, expires_seconds: int
    ) -> PresignedUpload: ...


class ChatModel(Protocol):
    def check(self, *, model: str, api_key: str | None, api_base: str | None) -> None:
        """Before anything of a turn is stored: ModelConfigurationError when a call cannot succeed as
        configured (the provider needs a key that is neither the bot's nor in the environment)."""

    def stream(self, request: ModelRequest) -> Iterator[ModelChunk]:
        """Text deltas, then one chunk carrying the usage; raises ModelError on provider failures."""


class Reranker(Protocol):
    def rerank(self, request: RerankRequest) -> list[RerankScore]:
        """The documents most relevant to the query first, at most top_n; raises on any failure (the
        caller keeps the retrieval order then)."""


class ChatRepository(Protocol):
    def create(self, *, chat: Chat, first: Message | None = None) -> None:
        """The chat row, with its first message in the same write when given."""

    def get(self, *, tenant_id: str, chat_id: str) -> Chat | None: ...

    def list_page(
        self, *, tenant_id: str, bot_id: str | None, limit: int, start: dict[str, Any] | None
    ) -> Page[Chat]: ...

    def add_message(
        self, *, tenant_id: str, message: Message, bot_id: str, title: str | None = None
    ) -> None: ...

    def messages(self, *, tenant_id: str, chat_id: str, newest: int | None = None) -> list[Message]: ...

    def get_message(self, *, tenant_id: str, chat_id: str, message_id: str) -> Message | None: ...

    def save_message(self, *, tenant_id: str, message: Message) -> None: ...


class WidgetKeyRepository(Protocol):
    def add(self, *, key: WidgetKey) -> None: ...

    def list_for_bot(self, *, tenant_id: str, bot_id: str, kind: str = "widget") -> list[WidgetKey]: ...

    def grant(self, *, key_hash: str) -> WidgetGrant | None: ...

    def revoke(self, *, tenant_id: str, bot_id: str, key_id: str, kind: str = "widget") -> bool: ...


class WebhookRepository(Protocol):
    def save(self, *, webhook: Webhook) -> None: ...

    def get(self, *, tenant_id: str, webhook_id: str) -> Webhook | None: ...

    def list_all(self, *, tenant_id: str) -> list[Webhook]: ...

    def delete(self, *, tenant_id: str, webhook_id: str) -> None: ...

    def save_delivery(self, *, delivery: Delivery) -> None: ...

    def create_delivery(self, *, delivery: Delivery) -> bool:
        """Writes the delivery only if its id is new; False when it already exists (nothing written)."""

    def get_delivery(self, *, tenant_id: str, webhook_id: str, delivery_id: str) -> Delivery | None: ...

    def deliveries(
        self, *, tenant_id: str, webhook_id: str, limit: int, start: dict[str, Any] | None = None
    ) -> Page[Delivery]:
        """Newest first, `limit` at a time from `start` (a previous page's `last_key`)."""


class WebhookSender(Protocol):
    def post(self, url: str, *, body: bytes, headers: dict[str, str], timeout_s: float | None = None) -> Any:
        """Returns an object with `status` and `elapsed_ms`; raises UnprocessableError on network failures."""
