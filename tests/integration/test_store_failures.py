"""The metadata store failing under the real client: timeouts, closed connections, lost answers, and a
store failure after the answer was streamed. Faults come from a proxy in front of the local endpoint."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from minirag.adapters.dynamodb.chats import DynamoChatRepository
from minirag.adapters.dynamodb.stats import DynamoStatsRepository
from minirag.adapters.dynamodb.tables import DynamoTables
from minirag.api.app import create_app
from minirag.bootstrap import build_services, dynamo_config
from minirag.domain.chat import Chat, Message
from minirag.domain.errors import ConflictError
from minirag.domain.ids import new_id
from tests.conftest import make_settings
from tests.support.api import TenantCtx, signup
from tests.support.faulty_proxy import Faults, faulty_dynamodb
from tests.support.sse import parse_sse

Stack = tuple[TestClient, Faults, DynamoTables]


@contextmanager
def _stack(aws_endpoint: str, aws_env: dict[str, str], tmp_path: Path, timeout_s: float) -> Iterator[Stack]:
    with faulty_dynamodb(aws_endpoint) as faults:
        settings = make_settings(
            faults.url, aws_env, tmp_path, dynamodb_max_retries=1, dynamodb_timeout_seconds=timeout_s
        )
        with TestClient(create_app(build_services(settings))) as client:
            yield client, faults, DynamoTables(dynamo_config(settings))


@pytest.fixture
def stack(aws_endpoint: str, aws_env: dict[str, str], tmp_path: Path) -> Iterator[Stack]:
    """A client timeout no healthy call reaches on a busy machine: a write that timed out on the client
    and was sent again would spend a fault meant for the next one (`pass_first`)."""
    with _stack(aws_endpoint, aws_env, tmp_path, 10.0) as made:
        yield made


@pytest.fixture
def impatient_stack(aws_endpoint: str, aws_env: dict[str, str], tmp_path: Path) -> Iterator[Stack]:
    """A 1 s client timeout, for the stalled calls."""
    with _stack(aws_endpoint, aws_env, tmp_path, 1.0) as made:
        yield made


def _bot(client: TestClient, tenant: TenantCtx) -> str:
    response = client.post("/v1/bot-profiles", json={"name": "Handbook"}, headers=tenant.headers)
    assert response.status_code == 201, response.text
    bot_id: str = response.json()["id"]
    return bot_id


@pytest.mark.parametrize("mode", ["stall", "close"], ids=["read-timeout", "connection-closed"])
def test_a_read_timeout_or_closed_connection_is_a_503_with_retry_after(
    impatient_stack: Stack, mode: str
) -> None:
    client, faults, _ = impatient_stack
    tenant = signup(client)
    faults.mode, faults.stall_seconds, faults.fail_next = mode, 1.5, -1

    listed = client.get("/v1/bot-profiles", headers=tenant.headers)
    created = client.post("/v1/bot-profiles", json={"name": "x"}, headers=tenant.headers)

    for response in (listed, created):
        assert response.status_code == 503, response.text
        assert int(response.headers["retry-after"]) > 0
        assert response.json()["detail"] == "the metadata store is unavailable"
    assert faults.failed >= 2, "the client retried before giving up"


def test_creates_whose_answer_was_lost_succeed_once_when_the_sdk_sends_them_again(stack: Stack) -> None:
    client, faults, tables = stack
    faults.mode, faults.only = "lose", "TransactWriteItems"

    faults.fail_next = 1
    tenant = signup(client)  # a transaction of puts: tenant, slug guard, owner, login guard, token
    faults.fail_next = 1
    bot_id = _bot(client, tenant)
    faults.fail_next = 1
    chat = client.post(
        "/v1/chat",
        json={"bot_profile_id": bot_id, "message": "Hello?", "stream": False},
        headers=tenant.headers,
    )

    assert faults.failed == 3
    assert chat.status_code == 200, chat.text
    chat_id = chat.json()["chat_id"]
    messages = client.get(f"/v1/chat/{chat_id}/messages", headers=tenant.headers).json()
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert [b["id"] for b in client.get("/v1/bot-profiles", headers=tenant.headers).json()] == [bot_id]
    totals = DynamoStatsRepository(tables).totals(tenant_id=tenant.id)
    assert totals["chats"] == 1, "the first attempt counted the chat; the retry added nothing"


def test_a_different_item_under_the_same_key_is_still_a_conflict(stack: Stack) -> None:
    _, _, tables = stack
    chats, now = DynamoChatRepository(tables), datetime.now(UTC)
    chat = Chat(
        id=new_id(), tenant_id=new_id(), bot_profile_id="b1", title="t", created_at=now, updated_at=now
    )

    def first(text: str) -> Message:
        return Message(id=new_id(), chat_id=chat.id, role="user", content=text, created_at=now)

    chats.create(chat=chat, first=first("Hi?"))
    with pytest.raises(ConflictError):
        chats.create(chat=chat, first=first("Another question"))


def _fail_the_answer(faults: Faults) -> None:
    """The turn writes the question (one transaction) before the model, the answer (another) after."""
    faults.mode, faults.only, faults.pass_first, faults.fail_next = "throttle", "TransactWriteItems", 1, -1


def test_a_store_failure_after_the_streamed_answer_ends_the_stream_with_an_error_frame(stack: Stack) -> None:
    client, faults, _ = stack
    tenant = signup(client)
    bot_id = _bot(client, tenant)
    _fail_the_answer(faults)

    response = client.post(
        "/v1/chat",
        json={"bot_profile_id": bot_id, "message": "Hello?", "stream": True},
        headers=tenant.headers,
    )

    assert response.status_code == 200, response.text  # the question was stored: the stream started
    events = [e for e in parse_sse(response.text) if e[0] != ":comment"]
    names = [name for name, _ in events]
    assert names[0] == "sources" and "delta" in names and names[-1] == "error", names
    error = events[-1][1]
    assert error["message_id"] is None and error["chat_id"]
    assert error["detail"].startswith("the answer could not be stored")
    faults.fail_next = 0
    messages = client.get(f"/v1/chat/{error['chat_id']}/messages", headers=tenant.headers).json()
    assert [m["role"] for m in messages] == ["user"], "the question was stored before the model"


def test_a_store_failure_after_the_model_is_a_503_for_a_non_streamed_turn(stack: Stack) -> None:
    client, faults, _ = stack
    tenant = signup(client)
    bot_id = _bot(client, tenant)
    _fail_the_answer(faults)

    response = client.post(
        "/v1/chat",
        json={"bot_profile_id": bot_id, "message": "Hello?", "stream": False},
        headers=tenant.headers,
    )

    assert response.status_code == 503 and int(response.headers["retry-after"]) > 0
    body = response.json()
    assert "the answer could not be stored" in body["detail"] and body["chat_id"]
