"""Users, their login guards, and the tenant's active-owner count kept in the same transaction."""

from minirag.adapters.dynamodb import keys
from minirag.adapters.dynamodb.items import GuardItem, TenantItem, UserItem
from minirag.adapters.dynamodb.tables import DynamoTables, storage_errors, transaction
from minirag.domain.errors import ConflictError
from minirag.domain.models import User
from minirag.domain.roles import Role


def user_item(model: type[UserItem], user: User) -> UserItem:
    return model(
        keys.tenant_pk(user.tenant_id),
        keys.user_sk(user.id),
        user_id=user.id,
        email=user.email.lower(),
        password_hash=user.password_hash,
        role=user.role.value,
        display_name=user.display_name,
        is_active=user.is_active,
        created_at=user.created_at,
        session_epoch=user.session_epoch,
    )


def login_item(model: type[GuardItem], user: User) -> GuardItem:
    pk, sk = keys.login_guard(user.email, user.tenant_id)
    return model(pk, sk, tenant_id=user.tenant_id, target_id=user.id)


def to_user(item: UserItem, tenant_id: str) -> User:
    return User(
        id=item.user_id,
        tenant_id=tenant_id,
        email=item.email,
        password_hash=item.password_hash,
        role=Role(item.role),
        display_name=item.display_name,
        is_active=item.is_active,
        created_at=item.created_at,
        session_epoch=int(item.session_epoch or 0),
    )


def _active_owner(user: User) -> int:
    return int(user.is_active and user.role == Role.OWNER)


class DynamoUserRepository:
    def __init__(self, tables: DynamoTables) -> None:
        self._tables = tables
        self._user = tables.model(UserItem)
        self._guard = tables.model(GuardItem)
        self._tenant = tables.model(TenantItem)

    def add(self, *, tenant_id: str, user: User) -> None:
        with storage_errors("a user with this email already exists in this tenant"):
            with transaction(self._tables) as tx:
                tx.save(login_item(self._guard, user), condition=self._guard.pk.does_not_exist())
                tx.save(user_item(self._user, user), condition=self._user.pk.does_not_exist())
                if _active_owner(user):
                    tx.update(
                        self._tenant(keys.tenant_pk(tenant_id), keys.META),
                        actions=[self._tenant.owner_count.add(1)],
                        condition=self._tenant.pk.exists(),
                    )

    def get(self, *, tenant_id: str, user_id: str) -> User | None:
        with storage_errors():
            try:
                item = self._user.get(keys.tenant_pk(tenant_id), keys.user_sk(user_id), consistent_read=True)
            except self._user.DoesNotExist:
                return None
        return to_user(item, tenant_id)

    def list_all(self, *, tenant_id: str) -> list[User]:
        with storage_errors():
            found = self._user.query(keys.tenant_pk(tenant_id), self._user.sk.startswith("USER#"))
            return [to_user(item, tenant_id) for item in found]

    def find_logins(self, *, email: str, limit: int | None = None) -> list[tuple[str, str]]:
        """Every account of the email, read page by page (up to `limit`)."""
        pk, _ = keys.login_guard(email, "")
        with storage_errors():
            return [(g.tenant_id, g.target_id or "") for g in self._guard.query(pk, limit=limit)]

    def find_login(self, *, email: str, tenant_id: str) -> str | None:
        """The user id of this email in this one tenant: a single read, whatever other tenants hold."""
        with storage_errors():
            try:
                guard = self._guard.get(*keys.login_guard(email, tenant_id), consistent_read=True)
            except self._guard.DoesNotExist:
                return None
        return guard.target_id or None

    def update(self, *, tenant_id: str, user: User, previous: User) -> None:
        """Optimistic: the write holds only if the stored role, status and email are still `previous`'s.
        A new email moves the login guard in the same transaction (409 if another user of the tenant has it)."""
        delta = _active_owner(user) - _active_owner(previous)
        item = user_item(self._user, user)
        unchanged = (
            (self._user.role == previous.role.value)
            & (self._user.is_active == previous.is_active)
            & (self._user.email == previous.email.lower())
        )
        moved = user.email.lower() != previous.email.lower()
        try:
            with storage_errors(), transaction(self._tables) as tx:
                tx.save(item, condition=unchanged)
                if moved:
                    tx.delete(login_item(self._guard, previous), condition=self._guard.pk.exists())
                    tx.save(login_item(self._guard, user), condition=self._guard.pk.does_not_exist())
                if delta:
                    guard = self._tenant.owner_count > 1 if delta < 0 else self._tenant.pk.exists()
                    tx.update(
                        self._tenant(keys.tenant_pk(tenant_id), keys.META),
                        actions=[self._tenant.owner_count.add(delta)],
                        condition=guard,
                    )
        except ConflictError as exc:
            if delta < 0:
                raise ConflictError("the last active owner cannot be removed or demoted") from exc
            if moved:
                raise ConflictError("a user with this email already exists in this tenant") from exc
            raise ConflictError("the user changed meanwhile; retry") from exc
