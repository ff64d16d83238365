"""A transaction cancelled by a concurrent one (TransactionConflict) is sent again; other cancellations are final.

DynamoDB cancels one of two transactions that touch the same item at once (every chat turn of a tenant
updates its usage rows and TOTALS). Neither moto nor DynamoDB Local reproduces that race, so a proxy in
front of the local endpoint answers with DynamoDB's exact cancellation response."""

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from minirag.adapters.dynamodb.chats import DynamoChatRepository
from minirag.adapters.dynamodb.stats import DynamoStatsRepository
from minirag.adapters.dynamodb.tables import CONFLICT_ATTEMPTS, DynamoTables
from minirag.bootstrap import Services, dynamo_config
from minirag.domain.chat import Chat, Message
from minirag.domain.errors import ConflictError, DependencyUnavailableError
from minirag.domain.ids import new_id
from tests.support.faulty_proxy import faulty_dynamodb


def cancellation(reasons: list[dict[str, str]]) -> bytes:
    """DynamoDB's answer to a cancelled TransactWriteItems, `reasons` one per item."""
    body = {
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "message": "Transaction cancelled",
        "CancellationReasons": reasons,
    }
    return json.dumps(body).encode()


class Cancellations:
    """Answers the next TransactWriteItems calls with a cancellation whose reasons are `codes`."""

    def __init__(self) -> None:
        self.queued: list[list[str]] = []
        self.tokens: list[str] = []

    def __call__(self, target: str, body: bytes) -> bytes | None:
        if not target.endswith(".TransactWriteItems"):
            return None
        self.tokens.append(json.loads(body)["ClientRequestToken"])
        if not self.queued:
            return None  # sent to the endpoint
        return cancellation([{"Code": code} for code in self.queued.pop(0)])


@pytest.fixture
def wired(
    services: Services, aws_endpoint: str
) -> Iterator[tuple[DynamoChatRepository, DynamoStatsRepository, Cancellations]]:
    cancellations = Cancellations()
    with faulty_dynamodb(aws_endpoint) as faults:
        faults.answer = cancellations
        tables = DynamoTables(replace(dynamo_config(services.settings), host=faults.url))
        yield DynamoChatRepository(tables), DynamoStatsRepository(tables), cancellations


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
