"""Tenants: the signup transaction and the tenant record."""

from minirag.adapters.dynamodb import keys
from minirag.adapters.dynamodb.items import GuardItem, TenantItem, TokenGuardItem, TokenItem, UserItem
from minirag.adapters.dynamodb.tables import DynamoTables, storage_errors, transaction
from minirag.adapters.dynamodb.tokens import guard_item, token_item
from minirag.adapters.dynamodb.users import login_item, user_item
from minirag.domain.models import ApiToken, Tenant, User


class DynamoTenantRepository:
    def __init__(self, tables: DynamoTables) -> None:
        self._tables = tables
        self._tenant = tables.model(TenantItem)
        self._guard = tables.model(GuardItem)
        self._user = tables.model(UserItem)
        self._token = tables.model(TokenItem)
        self._token_guard = tables.model(TokenGuardItem)

    def create_with_owner(self, *, tenant: Tenant, owner: User, token: ApiToken) -> None:
        slug_pk, slug_sk = keys.slug_guard(tenant.slug)
        record = self._tenant(
            keys.tenant_pk(tenant.id),
            keys.META,
            tenant_id=tenant.id,
            name=tenant.name,
            slug=tenant.slug,
            plan=tenant.plan,
            is_active=tenant.is_active,
            owner_count=1,
            created_at=tenant.created_at,
        )
        with storage_errors("tenant slug already taken"):
            with transaction(self._tables) as tx:
                tx.save(
                    self._guard(slug_pk, slug_sk, tenant_id=tenant.id),
                    condition=self._guard.pk.does_not_exist(),
                )
                tx.save(record, condition=self._tenant.pk.does_not_exist())
                tx.save(user_item(self._user, owner), condition=self._user.pk.does_not_exist())
                tx.save(login_item(self._guard, owner), condition=self._guard.pk.does_not_exist())
                tx.save(token_item(self._token, token), condition=self._token.pk.does_not_exist())
                tx.save(guard_item(self._token_guard, token), condition=self._token_guard.pk.does_not_exist())

    def get(self, tenant_id: str) -> Tenant | None:
        with storage_errors():
            try:
                item = self._tenant.get(keys.tenant_pk(tenant_id), keys.META)
            except self._tenant.DoesNotExist:
                return None
        return Tenant(
            id=item.tenant_id,
            name=item.name,
            slug=item.slug,
            plan=item.plan,
            is_active=item.is_active,
            created_at=item.created_at,
        )

    def id_for_slug(self, slug: str) -> str | None:
        with storage_errors():
            try:
                return self._guard.get(*keys.slug_guard(slug), consistent_read=True).tenant_id
            except self._guard.DoesNotExist:
                return None

    def ping(self) -> None:
        with storage_errors():
            self._tables.connection.describe_table(self._tables.config.table_name)
