"""Bot profiles: settings of a chat bot, with write-only provider credentials sealed at rest."""

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from minirag.domain.errors import NotFoundError, UnprocessableError
from minirag.domain.ids import new_id
from minirag.domain.knowledge import BotProfile, Credentials
from minirag.domain.models import Principal
from minirag.domain.reranking import BUILT_IN_PREFIXES, rerank_credentials
from minirag.domain.roles import Role
from minirag.ports import BotRepository, Clock, Queue
from minirag.security.crypto import SecretBox
from minirag.services.guards import require_role

_EDITABLE = (
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
    "retrieval_mode",
    "rerank_model",
    "greeting",
    "curated_threshold",
)


_REINDEX_ON = ("embedding_model", "chunk_size", "chunk_overlap")
_ENDPOINT_FIELDS = ("model", "embedding_model", "rerank_model")

# (model, api_base, what) -> None, or raises UnprocessableError: the outbound policy for model endpoints
type EndpointCheck = Callable[..., None]


def _no_check(model: str, api_base: str | None, *, what: str) -> None:
    del model, api_base, what


@dataclass(frozen=True)
class BotDefaults:
    model: str
    embedding_model: str


class BotService:
    def __init__(
        self,
        *,
        bots: BotRepository,
        box: SecretBox,
        clock: Clock,
        defaults: BotDefaults,
        work_queue: Queue,
        check_endpoint: EndpointCheck = _no_check,
    ) -> None:
        self._bots = bots
        self._check_endpoint = check_endpoint
        self._box = box
        self._clock = clock
        self._defaults = defaults
        self._queue = work_queue

    def create(
        self, principal: Principal, fields: dict[str, Any], credentials: Credentials | None
    ) -> BotProfile:
        require_role(principal, Role.ADMIN)
        now = self._clock.now()
        values = {k: v for k, v in fields.items() if k in _EDITABLE and v is not None}
        values.setdefault("model", self._defaults.model)
        values.setdefault("embedding_model", self._defaults.embedding_model)
        bot = BotProfile(
            id=new_id(),
            tenant_id=principal.tenant_id,
            created_at=now,
            updated_at=now,
            credentials_sealed=self._seal(credentials),
            **values,
        )
        self._check_endpoints(bot, credentials or Credentials())
        self._bots.add(tenant_id=principal.tenant_id, bot=bot)
        return bot

    def get(self, principal: Principal, bot_id: str, *, active_only: bool = False) -> BotProfile:
        bot = self._bots.get(tenant_id=principal.tenant_id, bot_id=bot_id)
        if bot is None or (active_only and not bot.is_active):
            raise NotFoundError("bot profile not found")
        return bot

    def for_widget(self, principal: Principal, bot_id: str) -> BotProfile:
        """A widget key reads only its own bot, and only while the bot is active; tenant credentials
        read any of their bots (the dashboard previews what the widget will say)."""
        if principal.kind == "widget" and principal.scopes.get("bot_id") != bot_id:
            raise NotFoundError("bot profile not found")
        return self.get(principal, bot_id, active_only=principal.kind == "widget")

    def list(self, principal: Principal, *, include_inactive: bool = True) -> list[BotProfile]:
        """Newest first, deactivated ones included (with is_active false), as the original listed them."""
        bots = self._bots.list_all(tenant_id=principal.tenant_id)
        chosen = (b for b in bots if include_inactive or b.is_active)
        return sorted(chosen, key=lambda b: b.created_at, reverse=True)

    def update(
        self, principal: Principal, bot_id: str, fields: dict[str, Any], credentials: Credentials | None
    ) -> BotProfile:
        require_role(principal, Role.ADMIN)
        bot = self.get(principal, bot_id)
        if fields.get("is_active") is not None:  # the original's way back from a delete, and a way there
            bot = self._set_active(principal, bot, fields["is_active"])
        changes = {k: v for k, v in fields.items() if k in _EDITABLE}
        for required in ("name", "model", "embedding_model"):
            if changes.get(required, "") is None:
                changes.pop(required)
        updated = replace(bot, **changes, updated_at=self._clock.now())
        if credentials is not None:
            updated.credentials_sealed = self._seal(credentials)
        if credentials is not None or any(k in changes for k in _ENDPOINT_FIELDS):
            self._check_endpoints(updated, self.credentials(updated))
        self._bots.save(tenant_id=principal.tenant_id, bot=updated)
        if any(getattr(updated, k) != getattr(bot, k) for k in _REINDEX_ON):
            self._queue.send({"type": "reindex_bot", "tenant_id": principal.tenant_id, "bot_id": bot_id})
        return updated

    def deactivate(self, principal: Principal, bot_id: str) -> None:
        """Idempotent, as the original's delete was: a second delete of the same bot is a 204 too."""
        require_role(principal, Role.ADMIN)
        self._set_active(principal, self.get(principal, bot_id), False)

    def _set_active(self, principal: Principal, bot: BotProfile, active: bool) -> BotProfile:
        """Deactivating purges the bot's vectors; reactivating ingests its sources again."""
        now = self._clock.now()
        if self._bots.set_active(tenant_id=principal.tenant_id, bot_id=bot.id, active=active, at=now):
            kind = "reindex_bot" if active else "purge_bot"
            self._queue.send({"type": kind, "tenant_id": principal.tenant_id, "bot_id": bot.id})
        return replace(bot, is_active=active, updated_at=now)

    def credentials(self, bot: BotProfile) -> Credentials:
        if bot.credentials_sealed is None:
            return Credentials()
        return Credentials(**json.loads(self._box.decrypt(bot.credentials_sealed)))

    def _check_endpoints(self, bot: BotProfile, creds: Credentials) -> None:
        """Where the bot's chat and embedding calls would go must pass the outbound policy (422)."""
        self._check_endpoint(bot.model, creds.api_base, what="model")
        self._check_endpoint(bot.embedding_model, creds.embedding_api_base, what="embedding")
        if bot.rerank_model and bot.rerank_model.startswith(BUILT_IN_PREFIXES):
            raise UnprocessableError("no built-in reranker: name a provider's (cohere/..., jina_ai/...)")
        if bot.rerank_model:
            self._check_endpoint(bot.rerank_model, rerank_credentials(bot, creds)[1], what="rerank")

    def _seal(self, credentials: Credentials | None) -> str | None:
        if credentials is None or credentials.is_empty():
            return None
        return self._box.encrypt(json.dumps(asdict(credentials)))
