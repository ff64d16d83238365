"""Widget keys: public, per bot, limited to listed origins and their own request budgets.

Agent keys are the same record with `kind="agent"`: one bot, its own budgets, no origins (an MCP client
or agent is not a browser), and they reach only that bot's knowledge (retrieve, MCP), never a chat route."""

import re
from dataclasses import dataclass
from urllib.parse import urlparse

from minirag.domain.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    UnprocessableError,
)
from minirag.domain.ids import new_id
from minirag.domain.models import Principal, WidgetKey
from minirag.domain.roles import Role
from minirag.ports import BotRepository, Clock, RateLimiter, WidgetKeyRepository
from minirag.security.tokens import display_prefix, generate_token, hash_token
from minirag.services.budget import RequestBudget
from minirag.services.guards import enforce_limit, require_role

WIDGET_KEY_PREFIX = "mrwk_"
AGENT_KEY_PREFIX = "mrak_"
KEY_PREFIXES = (WIDGET_KEY_PREFIX, AGENT_KEY_PREFIX)
_PREFIX = {"widget": WIDGET_KEY_PREFIX, "agent": AGENT_KEY_PREFIX}
_NAME = {"widget": "widget key", "agent": "agent key"}


@dataclass(frozen=True)
class NewWidgetKey:
    key: WidgetKey
    raw_key: str


# What a browser's Origin header can hold: an ASCII (punycode) host name or IP literal, and a port.
_ORIGIN_HOST = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])"
)


def normalise_origin(origin: str) -> str:
    """`*`, or scheme://host[:port] as a browser sends it. Values no Origin header can equal (a path,
    a query, user:password@, a wildcard host, control characters, non-ASCII) are refused: stored, they
    would silently never match."""
    if origin == "*":
        return origin
    parsed = urlparse(origin.strip())
    netloc = parsed.netloc.lower()
    host, port = netloc, ""
    if ":" in netloc.rsplit("]", 1)[-1]:  # a port (an IPv6 literal's colons sit inside its brackets)
        host, _, port = netloc.rpartition(":")
    ok = (
        parsed.scheme in ("http", "https")
        and parsed.path in ("", "/")
        and not (parsed.params or parsed.query or parsed.fragment)
        and _ORIGIN_HOST.fullmatch(host) is not None
        and (not port or (port.isdigit() and 0 < int(port) < 65536))
    )
    if not ok:
        raise UnprocessableError(f"an allowed origin is scheme://host[:port], not {origin[:300]!r}")
    return f"{parsed.scheme}://{netloc}"


class WidgetKeyService:
    """The per-minute limit is leased (`budget`); the daily message limit counts every message, because
    units reserved by an instance that then goes idle would stay lost for the rest of the day."""

    def __init__(
        self,
        *,
        keys: WidgetKeyRepository,
        bots: BotRepository,
        limiter: RateLimiter,
        budget: RequestBudget,
        clock: Clock,
    ) -> None:
        self._keys = keys
        self._bots = bots
        self._limiter = limiter
        self._budget = budget
        self._clock = clock

    def create(
        self,
        principal: Principal,
        *,
        bot_id: str,
        name: str,
        allowed_origins: list[str],
        rate_limit_per_minute: int,
        max_messages_per_day: int,
        kind: str = "widget",
    ) -> NewWidgetKey:
        require_role(principal, Role.ADMIN)
        self._bot(principal, bot_id)
        origins = sorted({normalise_origin(o) for o in allowed_origins})
        raw = generate_token(_PREFIX[kind])
        key = WidgetKey(
            id=new_id(),
            tenant_id=principal.tenant_id,
            bot_id=bot_id,
            name=name,
            key_prefix=display_prefix(raw),
            key_hash=hash_token(raw),
            allowed_origins=origins,
            rate_limit_per_minute=rate_limit_per_minute,
            max_messages_per_day=max_messages_per_day,
            created_at=self._clock.now(),
            kind=kind,
        )
        self._keys.add(key=key)
        return NewWidgetKey(key=key, raw_key=raw)

    def list(self, principal: Principal, bot_id: str, kind: str = "widget") -> list[WidgetKey]:
        require_role(principal, Role.ADMIN)
        self._bot(principal, bot_id)
        found = self._keys.list_for_bot(tenant_id=principal.tenant_id, bot_id=bot_id, kind=kind)
        return sorted(found, key=lambda k: k.created_at)

    def revoke(self, principal: Principal, bot_id: str, key_id: str, kind: str = "widget") -> None:
        require_role(principal, Role.ADMIN)
        self._bot(principal, bot_id)
        if not self._keys.revoke(tenant_id=principal.tenant_id, bot_id=bot_id, key_id=key_id, kind=kind):
            raise NotFoundError(f"{_NAME[kind]} not found")

    def _bot(self, principal: Principal, bot_id: str) -> None:
        bot = self._bots.get(tenant_id=principal.tenant_id, bot_id=bot_id)
        if bot is None or not bot.is_active:
            raise NotFoundError("bot profile not found")

    def authenticate(self, raw: str, origin: str | None) -> Principal:
        """Origin first (a key pasted on another site is useless), then the per-minute budget. An agent
        key has no origins to check: its kind comes from the stored grant, never from the key's prefix."""
        kind = "agent" if raw.startswith(AGENT_KEY_PREFIX) else "widget"
        grant = self._keys.grant(key_hash=hash_token(raw))
        if grant is None or grant.kind != kind:
            raise AuthenticationError(f"invalid {_NAME[kind]}")
        if grant.kind == "widget" and not grant.allows_origin(origin):
            raise PermissionDeniedError("this widget key is not allowed from this origin")
        self._budget.spend(
            key=f"wkey-min#{grant.key_id}",
            limit=grant.rate_limit_per_minute,
            window_seconds=60,
            now=self._clock.now(),
        )
        return Principal(
            tenant_id=grant.tenant_id,
            role=Role.MEMBER,
            kind="agent" if grant.kind == "agent" else "widget",
            token_id=grant.key_id,
            scopes={"bot_id": grant.bot_id, "messages_per_day": str(grant.max_messages_per_day)},
        )

    def count_message(self, principal: Principal) -> None:
        """A widget chat message, or an agent key's search or question: each counts against its day."""
        if principal.kind in ("widget", "agent"):
            enforce_limit(
                self._limiter,
                key=f"wkey-day#{principal.token_id}",
                limit=int(principal.scopes["messages_per_day"]),
                window_seconds=86_400,
                now=self._clock.now(),
            )
