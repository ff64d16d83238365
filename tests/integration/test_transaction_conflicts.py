"""A transaction cancelled by a concurrent one (TransactionConflict) is sent again; other cancellations are final.

DynamoDB cancels one of two transactions that touch the same item at once (every chat turn of a tenant
updates its usage rows and TOTALS). Neither moto nor DynamoDB Local reproduces that race, so the real
client gets DynamoDB's exact cancellation response injected in front of the local endpoint."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from minirag.adapters.dynamodb.chats import DynamoChatRepository
from minirag.adapters.dynamodb.stats import DynamoStatsRepository
from minirag.adapters.dynamodb.tables import CONFLICT_ATTEMPTS, DynamoTables
from minirag.bootstrap import Services, dynamo_config
from minirag.domain.chat import Chat, Message
from minirag.domain.errors import ConflictError, DependencyUnavailableError
from minirag.domain.ids import new_id


class _Body:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class Cancellations:
    """Answers the next TransactWriteItems calls with a cancellation whose reasons are `codes`."""

    def __init__(self, tables: DynamoTables) -> None:
        self.queued: list[list[str]] = []
        self.tokens: list[str] = []
        tables.connection.client.meta.events.register("before-send.dynamodb.TransactWriteItems", self)

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        self.tokens.append(json.loads(request.body)["ClientRequestToken"])
        if not self.queued:
            return None  # sent to the endpoint
        reasons = [{"Code": code} for code in self.queued.pop(0)]
        body = {
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "message": "Transaction cancelled",
            "CancellationReasons": reasons,
        }
        headers = {"x-amzn-requestid": "injected", "content-type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, 400, headers, _Body(json.dumps(body).encode()))


@pytest.fixture
def wired(services: Services) -> tuple[DynamoChatRepository, DynamoStatsRepository, Cancellations]:
    tables = DynamoTables(dynamo_config(services.settings))
    return DynamoChatRepository(tables), DynamoStatsRepository(tables), Cancellations(tables)


def first_turn() -> tuple[Chat, Message]:
    now = datetime.now(UTC)
    tenant_id, chat_id = new_id(), new_id()
    chat = Chat(
        id=chat_id, tenant_id=tenant_id, bot_profile_id="b1", title="t", created_at=now, updated_at=now
    )
    return chat, Message(id=new_id(), chat_id=chat_id, role="user", content="Hi?", created_at=now)


def test_a_conflicted_transaction_is_sent_again_under_a_new_token(wired: Any) -> None:
    chats, stats, cancel = wired
    chat, question = first_turn()
    cancel.queued = [["None", "None", "TransactionConflict"], ["TransactionConflict", "None", "None"]]
    chats.create(chat=chat, first=question)
    assert len(cancel.tokens) == 3 and len(set(cancel.tokens)) == 3
    stored = chats.get(tenant_id=chat.tenant_id, chat_id=chat.id)
    assert stored is not None and stored.message_count == 1
    totals = stats.totals(tenant_id=chat.tenant_id)
    assert totals["chats"] == 1 and totals["messages"] == 1  # written once, by the attempt that landed


def test_conflicts_that_do_not_clear_end_in_a_503_with_nothing_written(wired: Any) -> None:
    chats, stats, cancel = wired
    chat, question = first_turn()
    cancel.queued = [["TransactionConflict", "None", "None"]] * CONFLICT_ATTEMPTS
    with pytest.raises(DependencyUnavailableError):
        chats.create(chat=chat, first=question)
    assert len(cancel.tokens) == CONFLICT_ATTEMPTS
    assert chats.get(tenant_id=chat.tenant_id, chat_id=chat.id) is None
    assert stats.totals(tenant_id=chat.tenant_id)["chats"] == 0


def test_a_failed_condition_is_not_retried(wired: Any) -> None:
    chats, _, cancel = wired
    chat, question = first_turn()
    cancel.queued = [["ConditionalCheckFailed", "None", "TransactionConflict"]]
    with pytest.raises(ConflictError):
        chats.create(chat=chat, first=question)
    assert len(cancel.tokens) == 1
