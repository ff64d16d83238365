"""Request and response models of the tenancy and auth routes (names: *Create, *Update, *Public)."""

from datetime import UTC, datetime
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
)

from minirag.domain.roles import Role

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{2,100}$")]
Password = Annotated[str, Field(min_length=8, max_length=128)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
# A free-text field of a read model: "" when unset, as the original MiniRAG answered (its clients call
# string methods on these without a null check).
Text = Annotated[str, BeforeValidator(lambda value: "" if value is None else value)]


def _as_utc(value: datetime) -> datetime:
    """A time without a zone (or a bare date) is read as UTC; one that leaves the calendar when moved to
    UTC (9999-12-31T23:59:59-14:00) is a validation error, not an overflow deep in the store."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("the time is out of range once converted to UTC") from exc


UtcDateTime = Annotated[datetime, AfterValidator(_as_utc)]


class ErrorResponse(BaseModel):
    """Every error: a readable message, or (422 from validation) a list of field problems."""

    detail: str | list[dict[str, Any]]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 409, 413, 422, 429, 503)
}


class Page[T](BaseModel):
    """A list route's page: follow `next_cursor` (null on the last page) with `?cursor=`."""

    items: list[T]
    next_cursor: str | None


class RequestModel(BaseModel):
    """A request body. Unknown fields are ignored, as the original MiniRAG's were: its clients send fields
    (ours or theirs) that a route does not read, and must keep working (API.md's compatibility rule)."""

    model_config = ConfigDict(extra="ignore")


class PublicModel(BaseModel):
    """A response read from a domain object: each field is the attribute of the same name, except the
    ones `derived` returns (renamed or computed), so a mapper lists only what differs."""

    @classmethod
    def of(cls, source: Any) -> Self:
        derived = cls.derived(source)
        copied = {name: getattr(source, name) for name in cls.model_fields if name not in derived}
        return cls(**copied, **derived)

    @classmethod
    def derived(cls, source: Any) -> dict[str, Any]:
        return {}


class TenantCreate(RequestModel):
    tenant_name: Name
    tenant_slug: Slug
    owner_email: EmailStr
    owner_password: Password
    owner_display_name: DisplayName | None = None


class TenantPublic(PublicModel):
    id: str
    name: str
    slug: str
    is_active: bool
    plan: str
    created_at: datetime


class UserPublic(PublicModel):
    id: str
    tenant_id: str
    email: str
    display_name: Text
    role: Role
    is_active: bool
    created_at: datetime


class SignupPublic(BaseModel):
    tenant: TenantPublic
    user: UserPublic
    api_token: str
    token_prefix: str


class LoginRequest(RequestModel):
    email: EmailStr
    password: Annotated[str, Field(min_length=1, max_length=128)]
    tenant_slug: Slug | None = None


class LoginPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int
    user: UserPublic
    tenant: TenantPublic


class MePublic(BaseModel):
    user: UserPublic | None
    tenant: TenantPublic
    role: Role
    auth: str


class ApiTokenCreate(RequestModel):
    name: Name
    expires_at: UtcDateTime | None = None
    role: Role | None = None


class ApiTokenPublic(PublicModel):
    id: str
    tenant_id: str
    name: str
    token_prefix: str
    role: Role
    is_active: bool
    expires_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


class ApiTokenCreated(ApiTokenPublic):
    raw_token: str


class UserCreate(RequestModel):
    email: EmailStr
    password: Password
    display_name: DisplayName | None = None
    role: Role = Role.MEMBER


class UserUpdate(RequestModel):
    """Any subset. The original MiniRAG's clients send its whole UserCreate body here (email, password,
    display_name, role): every one of those fields keeps its meaning."""

    email: EmailStr | None = None
    display_name: DisplayName | None = None
    role: Role | None = None
    is_active: bool | None = None
    password: Password | None = None
