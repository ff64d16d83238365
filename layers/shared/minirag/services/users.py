"""Users of a tenant. Only an owner grants or touches the owner role; the last active owner stays."""

from dataclasses import dataclass, replace

from minirag.domain.errors import NotFoundError
from minirag.domain.ids import new_id
from minirag.domain.models import Principal, User
from minirag.domain.roles import Role
from minirag.ports import Clock, TokenRepository, UserRepository
from minirag.security.passwords import PasswordHasher
from minirag.services.guards import require_role


@dataclass(frozen=True)
class UserChanges:
    email: str | None = None
    display_name: str | None = None
    role: Role | None = None
    is_active: bool | None = None
    password: str | None = None


class UserService:
    def __init__(
        self, *, users: UserRepository, tokens: TokenRepository, hasher: PasswordHasher, clock: Clock
    ) -> None:
        self._users = users
        self._tokens = tokens
        self._hasher = hasher
        self._clock = clock

    def create(
        self, principal: Principal, *, email: str, password: str, display_name: str | None, role: Role
    ) -> User:
        require_role(principal, Role.ADMIN)
        if role == Role.OWNER:
            require_role(principal, Role.OWNER)
        user = User(
            id=new_id(),
            tenant_id=principal.tenant_id,
            email=email.lower(),
            password_hash=self._hasher.hash(password),
            role=role,
            display_name=display_name,
            created_at=self._clock.now(),
        )
        self._users.add(tenant_id=principal.tenant_id, user=user)
        return user

    def list(self, principal: Principal) -> list[User]:
        return sorted(self._users.list_all(tenant_id=principal.tenant_id), key=lambda u: u.created_at)

    def get(self, principal: Principal, user_id: str) -> User:
        user = self._users.get(tenant_id=principal.tenant_id, user_id=user_id)
        if user is None:
            raise NotFoundError("user not found")
        return user

    def update(self, principal: Principal, user_id: str, changes: UserChanges) -> User:
        require_role(principal, Role.ADMIN)
        current = self.get(principal, user_id)
        if Role.OWNER in (current.role, changes.role):
            require_role(principal, Role.OWNER)
        updated = replace(
            current,
            email=changes.email.lower() if changes.email else current.email,
            display_name=changes.display_name if changes.display_name is not None else current.display_name,
            role=changes.role or current.role,
            is_active=changes.is_active if changes.is_active is not None else current.is_active,
            password_hash=self._hasher.hash(changes.password) if changes.password else current.password_hash,
        )
        if changes.password or (current.is_active and not updated.is_active):
            updated.session_epoch = current.session_epoch + 1  # every earlier login session ends, for good
        if updated != current:
            self._users.update(tenant_id=principal.tenant_id, user=updated, previous=current)
        if changes.role is not None or changes.is_active is not None:
            # After the user's write, so a token created meanwhile either failed its check of the old
            # role or is found here; repeating the same PATCH repairs guards a failure left behind.
            self._tokens.bind_user(
                tenant_id=principal.tenant_id, user_id=user_id, role=updated.role, active=updated.is_active
            )
        return updated

    def deactivate(self, principal: Principal, user_id: str) -> None:
        self.update(principal, user_id, UserChanges(is_active=False))
