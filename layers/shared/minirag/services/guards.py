"""Authorisation and abuse checks shared by the services."""

from datetime import datetime

from minirag.domain.errors import PermissionDeniedError, RateLimitedError
from minirag.domain.models import Principal
from minirag.domain.roles import Role
from minirag.ports import RateLimiter


def require_role(principal: Principal, required: Role) -> None:
    if not principal.role.at_least(required):
        raise PermissionDeniedError(f"requires the {required.value} role or higher")


def enforce_limit(limiter: RateLimiter, *, key: str, limit: int, window_seconds: int, now: datetime) -> None:
    """Count this request; refuse it with Retry-After once the window's budget is spent."""
    if limiter.hit(key=key, window_seconds=window_seconds, now=now) > limit:
        raise RateLimitedError("too many requests; retry later", retry_after=retry_after(now, window_seconds))


def retry_after(now: datetime, window_seconds: int) -> int:
    elapsed = int(now.timestamp()) % window_seconds
    return max(1, window_seconds - elapsed)
