"""Entities of the tenancy and auth core. Plain dataclasses: no storage concerns."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from minirag.domain.roles import Role


@dataclass
class Tenant:
    id: str
    name: str
    slug: str
    created_at: datetime
    is_active: bool = True
    plan: str = "free"


@dataclass
class User:
    id: str
    tenant_id: str
    email: str
    password_hash: str
    role: Role
    created_at: datetime
    display_name: str | None = None
    is_active: bool = True
    session_epoch: int = 0  # raised by a password change or deactivation: older login sessions end


@dataclass
class ApiToken:
    id: str
    tenant_id: str
    name: str
    token_prefix: str
    token_hash: str
    role: Role
    created_at: datetime
    expires_at: datetime | None = None
    is_active: bool = True
    last_used_at: datetime | None = None
    created_by: str | None = None
    # The user whose rights bound the token (its creator, or the user behind the token that created it),
    # and that user's role when it was created. None for tokens made before tokens were bound to users.
    user_id: str | None = None
    user_role: Role | None = None


@dataclass
class TokenGrant:
    """What the hash guard item says about a presented API token: enough to authorise in one read."""

    tenant_id: str
    token_id: str
    role: Role
    expires_at: datetime | None
    last_used_at: datetime | None
    # Kept on the guard item, and rewritten when that user is demoted, deactivated or reactivated, so the
    # one read that authorises the token also knows whether its user may still grant what it carries.
    user_id: str | None = None
    user_role: Role | None = None
    user_active: bool = True

    @property
    def effective_role(self) -> Role:
        """The token's role, capped at its user's current role."""
        if self.user_role is not None and self.user_role.rank < self.role.rank:
            return self.user_role
        return self.role


@dataclass
class Session:
    id: str
    tenant_id: str
    user_id: str
    created_at: datetime
    expires_at: datetime
    epoch: int = 0  # the user's session_epoch at login; a session from an older epoch is over


@dataclass
class Principal:
    """Who is calling: resolved from an API token, a login JWT or (later) a widget key."""

    tenant_id: str
    role: Role
    kind: Literal["api_token", "user", "widget", "agent"]
    user_id: str | None = None
    token_id: str | None = None
    session_id: str | None = None
    scopes: dict[str, str] = field(default_factory=dict)
    # The user whose rights bound this credential (the user of a JWT, the user behind an API token) and
    # that user's current role: what a token created by this principal is bound to in turn.
    creator_id: str | None = None
    creator_role: Role | None = None


@dataclass
class WidgetKey:
    """A public key for the embeddable widget: one bot, listed origins, its own limits."""

    id: str
    tenant_id: str
    bot_id: str
    name: str
    key_prefix: str
    key_hash: str
    allowed_origins: list[str]
    rate_limit_per_minute: int
    max_messages_per_day: int
    created_at: datetime
    is_active: bool = True
    # "widget" (a browser key, its origins checked) or "agent" (a key for an MCP client or agent: no
    # browser, no origins; it reaches only its bot's retrieve route and MCP endpoint)
    kind: str = "widget"


@dataclass(frozen=True)
class WidgetGrant:
    """What the hash guard says about a presented widget key."""

    tenant_id: str
    key_id: str
    bot_id: str
    allowed_origins: tuple[str, ...]
    rate_limit_per_minute: int
    max_messages_per_day: int
    kind: str = "widget"

    def allows_origin(self, origin: str | None) -> bool:
        return origin is not None and (
            "*" in self.allowed_origins or origin.rstrip("/") in self.allowed_origins
        )
