"""API tokens: the tenant's token records and the hash guards that authorise them."""

from datetime import datetime

from pynamodb.expressions.update import Action

from minirag.adapters.dynamodb import keys
from minirag.adapters.dynamodb.items import TokenGuardItem, TokenItem, UserItem
from minirag.adapters.dynamodb.tables import DynamoTables, storage_errors, transaction
from minirag.domain.errors import ConflictError
from minirag.domain.models import ApiToken, TokenGrant
from minirag.domain.roles import Role


def token_item(model: type[TokenItem], token: ApiToken) -> TokenItem:
    return model(
        keys.tenant_pk(token.tenant_id),
        keys.token_sk(token.id),
        token_id=token.id,
        name=token.name,
        token_prefix=token.token_prefix,
        token_hash=token.token_hash,
        role=token.role.value,
        created_at=token.created_at,
        expires_at=token.expires_at,
        is_active=token.is_active,
        created_by=token.created_by,
        user_id=token.user_id,
    )


def guard_item(model: type[TokenGuardItem], token: ApiToken) -> TokenGuardItem:
    pk, sk = keys.token_guard(token.token_hash)
    return model(
        pk,
        sk,
        tenant_id=token.tenant_id,
        token_id=token.id,
        role=token.role.value,
        expires_at=token.expires_at,
        user_id=token.user_id,
        user_role=token.user_role.value if token.user_role else None,
        user_active=True if token.user_id else None,
    )


class DynamoTokenRepository:
    def __init__(self, tables: DynamoTables) -> None:
        self._tables = tables
        self._token = tables.model(TokenItem)
        self._guard = tables.model(TokenGuardItem)
        self._user = tables.model(UserItem)

    def add(self, *, tenant_id: str, token: ApiToken) -> None:
        """The token's user must still hold the role copied onto the guard and be active, checked in the
        same transaction: a demotion committed meanwhile fails this write (409) instead of being missed."""
        with storage_errors("your role or account changed meanwhile; retry"), transaction(self._tables) as tx:
            tx.save(token_item(self._token, token), condition=self._token.pk.does_not_exist())
            tx.save(guard_item(self._guard, token), condition=self._guard.pk.does_not_exist())
            if token.user_id is not None and token.user_role is not None:
                tx.condition_check(
                    self._user,
                    keys.tenant_pk(tenant_id),
                    keys.user_sk(token.user_id),
                    condition=(self._user.role == token.user_role.value) & (self._user.is_active == True),  # noqa: E712
                )

    def get(self, *, tenant_id: str, token_id: str) -> ApiToken | None:
        with storage_errors():
            try:
                item = self._token.get(
                    keys.tenant_pk(tenant_id), keys.token_sk(token_id), consistent_read=True
                )
            except self._token.DoesNotExist:
                return None
        return self._to_token(item, tenant_id, None)

    def bind_user(self, *, tenant_id: str, user_id: str, role: Role, active: bool) -> int:
        """Copy the user's current role and status onto the guard of every live token bound to the user,
        so the next use of each is authorised (or refused) by it. Returns how many guards were written."""
        bound = (self._token.user_id == user_id) & (self._token.is_active == True)  # noqa: E712
        with storage_errors():
            records = list(
                self._token.query(
                    keys.tenant_pk(tenant_id),
                    self._token.sk.startswith("TOKEN#"),
                    filter_condition=bound,
                    consistent_read=True,
                )
            )
        actions: list[Action] = [self._guard.user_role.set(role.value), self._guard.user_active.set(active)]
        written = 0
        for record in records:
            try:
                with storage_errors():
                    self._guard(*keys.token_guard(record.token_hash)).update(
                        actions=actions, condition=self._guard.pk.exists()
                    )
                written += 1
            except ConflictError:
                pass  # revoked meanwhile: its guard is gone
        return written

    def list_all(self, *, tenant_id: str) -> list[ApiToken]:
        with storage_errors():
            records = list(self._token.query(keys.tenant_pk(tenant_id), self._token.sk.startswith("TOKEN#")))
            hashes = [keys.token_guard(r.token_hash) for r in records if r.is_active]
            used = {g.token_id: g.last_used_at for g in self._guard.batch_get(hashes)} if hashes else {}
        return [self._to_token(r, tenant_id, used.get(r.token_id)) for r in records]

    def grant(self, *, token_hash: str) -> TokenGrant | None:
        with storage_errors():
            try:
                g = self._guard.get(*keys.token_guard(token_hash), consistent_read=True)
            except self._guard.DoesNotExist:
                return None
        return TokenGrant(
            tenant_id=g.tenant_id,
            token_id=g.token_id,
            role=Role(g.role),
            expires_at=g.expires_at,
            last_used_at=g.last_used_at,
            user_id=g.user_id,
            user_role=Role(g.user_role) if g.user_role else None,
            user_active=g.user_active is not False,
        )

    def touch(self, *, token_hash: str, at: datetime) -> None:
        guard = self._guard(*keys.token_guard(token_hash))
        try:
            with storage_errors():
                guard.update(actions=[self._guard.last_used_at.set(at)], condition=self._guard.pk.exists())
        except ConflictError:
            pass  # revoked between the read and this write: nothing to record

    def revoke(self, *, tenant_id: str, token_id: str) -> bool:
        with storage_errors():
            try:
                record = self._token.get(
                    keys.tenant_pk(tenant_id), keys.token_sk(token_id), consistent_read=True
                )
            except self._token.DoesNotExist:
                return False
            with transaction(self._tables) as tx:
                tx.update(
                    record, actions=[self._token.is_active.set(False)], condition=self._token.pk.exists()
                )
                tx.delete(self._guard(*keys.token_guard(record.token_hash)))
        return True

    @staticmethod
    def _to_token(item: TokenItem, tenant_id: str, last_used_at: datetime | None) -> ApiToken:
        return ApiToken(
            id=item.token_id,
            tenant_id=tenant_id,
            name=item.name,
            token_prefix=item.token_prefix,
            token_hash=item.token_hash,
            role=Role(item.role),
            created_at=item.created_at,
            expires_at=item.expires_at,
            is_active=item.is_active,
            last_used_at=last_used_at,
            created_by=item.created_by,
            user_id=item.user_id,
        )
