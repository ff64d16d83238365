"""Login sessions: a JWT is honoured only while its session item exists and its user is active."""

from pynamodb.transactions import TransactGet

from minirag.adapters.dynamodb import keys
from minirag.adapters.dynamodb.items import SessionItem, UserItem
from minirag.adapters.dynamodb.tables import DynamoTables, storage_errors
from minirag.adapters.dynamodb.users import to_user
from minirag.domain.models import Session, User


class DynamoSessionRepository:
    def __init__(self, tables: DynamoTables) -> None:
        self._tables = tables
        self._session = tables.model(SessionItem)
        self._user = tables.model(UserItem)

    def add(self, *, session: Session) -> None:
        item = self._session(
            keys.tenant_pk(session.tenant_id),
            keys.session_sk(session.id),
            session_id=session.id,
            user_id=session.user_id,
            created_at=session.created_at,
            expires_at=session.expires_at,
            ttl=session.expires_at,
            epoch=session.epoch,
        )
        with storage_errors():
            item.save()

    def get_with_user(self, *, tenant_id: str, session_id: str, user_id: str) -> tuple[Session, User] | None:
        pk = keys.tenant_pk(tenant_id)
        with storage_errors():
            with TransactGet(connection=self._tables.connection) as tx:
                session_future = tx.get(self._session, pk, keys.session_sk(session_id))
                user_future = tx.get(self._user, pk, keys.user_sk(user_id))
            try:
                s = session_future.get()
                u = user_future.get()
            except (self._session.DoesNotExist, self._user.DoesNotExist):
                return None
        if s.user_id != user_id:
            return None
        session = Session(
            id=s.session_id,
            tenant_id=tenant_id,
            user_id=s.user_id,
            created_at=s.created_at,
            expires_at=s.expires_at,
            epoch=int(s.epoch or 0),
        )
        return session, to_user(u, tenant_id)

    def delete(self, *, tenant_id: str, session_id: str) -> None:
        with storage_errors():
            self._session(keys.tenant_pk(tenant_id), keys.session_sk(session_id)).delete()
