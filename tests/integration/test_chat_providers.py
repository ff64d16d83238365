"""Chat through the real LiteLLM HTTP path against an OpenAI-protocol fake on 127.0.0.1."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from minirag.api.app import create_app
from minirag.bootstrap import Services, build_services
from tests.conftest import make_settings
from tests.support.api import TenantCtx, signup
from tests.support.fake_openai import FakeOpenAI
from tests.support.knowledge import HANDBOOK, add_text, ingest, make_bot
from tests.support.sse import parse_sse
from tests.support.worker import IngestWorker


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(
        reply="Employees get 27 days of paid holiday [1].", required_api_key="sk-bot-key"
    ) as server:
        yield server


@pytest.fixture
def quick_client(
    services: Services, aws_endpoint: str, aws_env: dict[str, str], tmp_path: Path
) -> Iterator[TestClient]:
    """Same table and keys as the shared client, with a 1 s model timeout."""
    settings = make_settings(
        aws_endpoint,
        aws_env,
        services.settings.data_dir,
        model_timeout_seconds=1.0,
        jwt_secret=services.settings.jwt_secret,
        fernet_keys=services.settings.fernet_keys,
    )
    with TestClient(create_app(build_services(settings))) as client:
        yield client


def provider_bot(
    client: TestClient,
    worker: IngestWorker,
    tenant: TenantCtx,
    fake: FakeOpenAI,
    model: str = "openai/fake-model",
) -> str:
    bot_id = make_bot(
        client, tenant, model=model, credentials={"api_key": "sk-bot-key", "api_base": fake.base_url}
    )
    source_id = add_text(client, tenant, bot_id, HANDBOOK, name="Handbook")
    ingest(client, worker, tenant, source_id)
    return bot_id


def stream(client: TestClient, tenant: TenantCtx, bot_id: str, message: str) -> list[tuple[str, object]]:
    body = {"bot_profile_id": bot_id, "message": message, "stream": True}
    with client.stream("POST", "/v1/chat", json=body, headers=tenant.headers) as response:
        assert response.status_code == 200
        return [e for e in parse_sse("".join(response.iter_text())) if e[0] != ":comment"]


def test_non_stream_answer_usage_and_prompt(
    client: TestClient, worker: IngestWorker, fake: FakeOpenAI
) -> None:
    tenant = signup(client)
    bot_id = provider_bot(client, worker, tenant, fake)
    body = client.post(
        "/v1/chat", json={"bot_profile_id": bot_id, "message": "How much holiday?"}, headers=tenant.headers
    ).json()
    assert body["message"]["content"] == "Employees get 27 days of paid holiday [1]."
    assert body["usage"]["completion_tokens"] > 0 and body["usage"]["model"] == "openai/fake-model"
    sent = [r for r in fake.requests if r.path.endswith("/chat/completions")][-1]
    assert sent.headers["authorization"] == "Bearer sk-bot-key"
    system = sent.json["messages"][0]["content"]
    assert "<context>" in system and "[1] Handbook" in system and "27 days" in system
    assert sent.json["messages"][-1] == {"role": "user", "content": "How much holiday?"}
    assert not sent.json.get("stream")  # waited for whole: asked whole, no per-chunk work


def test_stream_relays_deltas_and_usage(client: TestClient, worker: IngestWorker, fake: FakeOpenAI) -> None:
    tenant = signup(client)
    bot_id = provider_bot(client, worker, tenant, fake)
    events = stream(client, tenant, bot_id, "How much holiday?")
    assert events[0][0] == "sources" and events[-1][0] == "done"
    text = "".join(d["content"] for n, d in events if n == "delta")  # type: ignore[index]
    assert text == "Employees get 27 days of paid holiday [1]."
    assert events[-1][1]["usage"]["prompt_tokens"] > 0  # type: ignore[index]
    sent = [r for r in fake.requests if r.path.endswith("/chat/completions")][-1]
    assert sent.json["stream"] is True and sent.json["stream_options"] == {"include_usage": True}


def test_priced_models_get_a_cost_from_litellms_map(
    client: TestClient, worker: IngestWorker, fake: FakeOpenAI
) -> None:
    tenant = signup(client)
    bot_id = provider_bot(client, worker, tenant, fake, model="openai/gpt-4o-mini")
    usage = client.post(
        "/v1/chat", json={"bot_profile_id": bot_id, "message": "Holiday?"}, headers=tenant.headers
    ).json()["usage"]
    import litellm

    prompt, completion = litellm.cost_per_token(
        model="openai/gpt-4o-mini",
        prompt_tokens=usage["prompt_tokens"],
        completion_tokens=usage["completion_tokens"],
    )
    assert usage["cost_usd"] == pytest.approx(prompt + completion) and usage["cost_usd"] > 0


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        (lambda f: f.fail_with(401, times=1), "rejected the credentials"),
        (lambda f: f.fail_with(429, retry_after=1, times=1), "rate limiting"),
        (lambda f: f.fail_with(500, times=1), "provider"),
    ],
)
def test_provider_errors_end_the_stream_with_an_error_event(
    client: TestClient, worker: IngestWorker, fake: FakeOpenAI, fault, words: str
) -> None:  # type: ignore[no-untyped-def]
    tenant = signup(client)
    bot_id = provider_bot(client, worker, tenant, fake)
    fault(fake)
    events = stream(client, tenant, bot_id, "How much holiday?")
    assert [n for n, _ in events] == ["sources", "error"]
    error = events[-1][1]
    assert words in error["detail"] and error["message_id"]  # type: ignore[index]
    stored = client.get(f"/v1/chat/{error['chat_id']}/messages", headers=tenant.headers).json()  # type: ignore[index]
    assert [m["role"] for m in stored] == ["user", "assistant"]
    assert stored[-1]["error"] and stored[-1]["id"] == error["message_id"]  # type: ignore[index]


def test_non_stream_provider_error_is_503(client: TestClient, worker: IngestWorker, fake: FakeOpenAI) -> None:
    tenant = signup(client)
    bot_id = provider_bot(client, worker, tenant, fake)
    fake.fail_with(429, retry_after=1, times=1)
    response = client.post(
        "/v1/chat", json={"bot_profile_id": bot_id, "message": "Holiday?"}, headers=tenant.headers
    )
    assert response.status_code == 503 and "rate limiting" in response.json()["detail"]


def test_mid_stream_disconnect_keeps_the_partial_answer_flagged(
    client: TestClient, worker: IngestWorker, fake: FakeOpenAI
) -> None:
    tenant = signup(client)
    bot_id = provider_bot(client, worker, tenant, fake)
    fake.disconnect_after(3, times=1)
    events = stream(client, tenant, bot_id, "How much holiday?")
    names = [n for n, _ in events]
    assert names[0] == "sources" and names[-1] == "error" and names.count("delta") == 3
    partial = "".join(d["content"] for n, d in events if n == "delta")  # type: ignore[index]
    error = events[-1][1]
    assert "broke off" in error["detail"]  # type: ignore[index]
    stored = client.get(f"/v1/chat/{error['chat_id']}/messages", headers=tenant.headers).json()  # type: ignore[index]
    assert stored[-1]["content"] == partial and stored[-1]["error"]


def test_a_stream_that_stalls_after_the_first_token_times_out(
    quick_client: TestClient, worker: IngestWorker
) -> None:
    with FakeOpenAI(reply="one two three", token_delay_s=3, required_api_key="sk-bot-key") as slow:
        tenant = signup(quick_client)
        bot_id = provider_bot(quick_client, worker, tenant, slow)
        events = stream(quick_client, tenant, bot_id, "How much holiday?")
    assert events[-1][0] == "error" and "timed out" in events[-1][1]["detail"]  # type: ignore[index]


def test_a_non_streamed_chat_waits_for_the_whole_answer_at_most_the_model_timeout(
    quick_client: TestClient, worker: IngestWorker, fake: FakeOpenAI
) -> None:
    """A non-streamed chat asks for the whole answer (no chunks to reset a read timeout): a model that has
    not answered within MINIRAG_MODEL_TIMEOUT_SECONDS is a 503 naming the chat, the question kept."""
    tenant = signup(quick_client)
    bot_id = provider_bot(quick_client, worker, tenant, fake)
    body = {"bot_profile_id": bot_id, "message": "How much holiday?"}
    warm = quick_client.post("/v1/chat", json=body, headers=tenant.headers)  # LiteLLM's first call: seconds
    assert warm.status_code == 200, warm.text
    fake.hang(10, times=1)
    started = time.perf_counter()
    response = quick_client.post("/v1/chat", json=body, headers=tenant.headers)
    elapsed = time.perf_counter() - started
    assert elapsed < 8  # the 1 s timeout (and a busy machine), not the 10 s hang
    failed = response.json()
    assert response.status_code == 503 and "timed out" in failed["detail"], failed
    assert int(response.headers["retry-after"]) > 0
    stored = quick_client.get(f"/v1/chat/{failed['chat_id']}/messages", headers=tenant.headers).json()
    assert [m["role"] for m in stored] == ["user", "assistant"] and stored[-1]["error"]


def test_timeout_is_an_error_event(quick_client: TestClient, worker: IngestWorker, fake: FakeOpenAI) -> None:
    tenant = signup(quick_client)
    bot_id = provider_bot(quick_client, worker, tenant, fake)
    fake.hang(5, times=1)
    events = stream(quick_client, tenant, bot_id, "How much holiday?")
    assert events[-1][0] == "error" and "timed out" in events[-1][1]["detail"]  # type: ignore[index]
