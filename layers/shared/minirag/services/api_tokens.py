"""API tokens: created by admins, shown once, never stronger than their creator."""

from dataclasses import dataclass
from datetime import datetime

from minirag.domain.errors import NotFoundError, PermissionDeniedError, UnprocessableError
from minirag.domain.ids import new_id
from minirag.domain.models import ApiToken, Principal
from minirag.domain.roles import Role
from minirag.ports import Clock, TokenRepository, UserRepository
from minirag.security.tokens import display_prefix, generate_token, hash_token
from minirag.services.guards import require_role


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    raw_token: str


class ApiTokenService:
    def __init__(self, *, tokens: TokenRepository, users: UserRepository, clock: Clock) -> None:
        self._tokens = tokens
        self._users = users
        self._clock = clock

    def create(
        self, principal: Principal, *, name: str, expires_at: datetime | None, role: Role | None
    ) -> NewToken:
        require_role(principal, Role.ADMIN)
        role = role or principal.role
        if not principal.role.at_least(role):
            raise PermissionDeniedError("a token cannot have a stronger role than its creator")
        now = self._clock.now()
        if expires_at is not None and expires_at <= now:
            raise UnprocessableError("expires_at must be in the future")
        raw = generate_token()
        token = ApiToken(
            id=new_id(),
            tenant_id=principal.tenant_id,
            name=name,
            token_prefix=display_prefix(raw),
            token_hash=hash_token(raw),
            role=role,
            created_at=now,
            expires_at=expires_at,
            created_by=principal.user_id or principal.token_id,
            user_id=principal.creator_id,
            user_role=principal.creator_role,
        )
        self._tokens.add(tenant_id=principal.tenant_id, token=token)
        return NewToken(token=token, raw_token=raw)

    def list(self, principal: Principal) -> list[ApiToken]:
        require_role(principal, Role.ADMIN)
        return self._tokens.list_all(tenant_id=principal.tenant_id)

    def revoke(self, principal: Principal, token_id: str) -> None:
        """Owners are out of an admin's reach, and so are their tokens (owner-role tokens, and any token
        bound to a user who is an owner now)."""
        require_role(principal, Role.ADMIN)
        token = self._tokens.get(tenant_id=principal.tenant_id, token_id=token_id)
        if token is None:
            raise NotFoundError("api token not found")
        if principal.role != Role.OWNER and self._owners(principal.tenant_id, token):
            raise PermissionDeniedError("only an owner can revoke an owner's token")
        if not self._tokens.revoke(tenant_id=principal.tenant_id, token_id=token_id):
            raise NotFoundError("api token not found")

    def _owners(self, tenant_id: str, token: ApiToken) -> bool:
        if token.role == Role.OWNER:
            return True
        user = self._users.get(tenant_id=tenant_id, user_id=token.user_id) if token.user_id else None
        return user is not None and user.role == Role.OWNER
