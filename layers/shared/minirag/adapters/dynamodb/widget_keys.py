"""Widget keys under their tenant, with hash guards that authorise them in one consistent read."""

from typing import Any

from minirag.adapters.dynamodb import keys
from minirag.adapters.dynamodb.items import WidgetGuardItem, WidgetKeyItem
from minirag.adapters.dynamodb.tables import DynamoTables, storage_errors, transaction
from minirag.domain.models import WidgetGrant, WidgetKey


class DynamoWidgetKeyRepository:
    def __init__(self, tables: DynamoTables) -> None:
        self._tables = tables
        self._key = tables.model(WidgetKeyItem)
        self._guard = tables.model(WidgetGuardItem)

    def add(self, *, key: WidgetKey) -> None:
        limits: dict[str, Any] = {
            "allowed_origins": key.allowed_origins,
            "rate_limit_per_minute": key.rate_limit_per_minute,
            "max_messages_per_day": key.max_messages_per_day,
            "kind": None if key.kind == "widget" else key.kind,
        }
        record = self._key(
            keys.tenant_pk(key.tenant_id),
            keys.widget_key_sk(key.id),
            key_id=key.id,
            bot_id=key.bot_id,
            name=key.name,
            key_prefix=key.key_prefix,
            key_hash=key.key_hash,
            is_active=key.is_active,
            created_at=key.created_at,
            **limits,
        )
        guard = self._guard(
            *keys.widget_guard(key.key_hash),
            tenant_id=key.tenant_id,
            key_id=key.id,
            bot_id=key.bot_id,
            **limits,
        )
        with storage_errors(), transaction(self._tables) as tx:
            tx.save(record, condition=self._key.pk.does_not_exist())
            tx.save(guard, condition=self._guard.pk.does_not_exist())

    def list_for_bot(self, *, tenant_id: str, bot_id: str, kind: str = "widget") -> list[WidgetKey]:
        with storage_errors():
            found = self._key.query(
                keys.tenant_pk(tenant_id),
                self._key.sk.startswith("WKEY#"),
                filter_condition=self._key.bot_id == bot_id,
            )
            return [key for key in (self._of(item, tenant_id) for item in found) if key.kind == kind]

    def grant(self, *, key_hash: str) -> WidgetGrant | None:
        with storage_errors():
            try:
                g = self._guard.get(*keys.widget_guard(key_hash), consistent_read=True)
            except self._guard.DoesNotExist:
                return None
        return WidgetGrant(
            tenant_id=g.tenant_id,
            key_id=g.key_id,
            bot_id=g.bot_id,
            allowed_origins=tuple(g.allowed_origins),
            rate_limit_per_minute=int(g.rate_limit_per_minute),
            max_messages_per_day=int(g.max_messages_per_day),
            kind=g.kind or "widget",
        )

    def revoke(self, *, tenant_id: str, bot_id: str, key_id: str, kind: str = "widget") -> bool:
        with storage_errors():
            try:
                record = self._key.get(
                    keys.tenant_pk(tenant_id), keys.widget_key_sk(key_id), consistent_read=True
                )
            except self._key.DoesNotExist:
                return False
            if record.bot_id != bot_id or (record.kind or "widget") != kind:
                return False
            with transaction(self._tables) as tx:
                tx.update(record, actions=[self._key.is_active.set(False)], condition=self._key.pk.exists())
                tx.delete(self._guard(*keys.widget_guard(record.key_hash)))
        return True

    @staticmethod
    def _of(item: WidgetKeyItem, tenant_id: str) -> WidgetKey:
        return WidgetKey(
            id=item.key_id,
            tenant_id=tenant_id,
            bot_id=item.bot_id,
            name=item.name,
            key_prefix=item.key_prefix,
            key_hash=item.key_hash,
            allowed_origins=list(item.allowed_origins),
            rate_limit_per_minute=int(item.rate_limit_per_minute),
            max_messages_per_day=int(item.max_messages_per_day),
            created_at=item.created_at,
            is_active=item.is_active,
            kind=item.kind or "widget",
        )
