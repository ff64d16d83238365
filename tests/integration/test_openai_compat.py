"""The official openai SDK talks to a bot through the OpenAI-compatible routes of the running server."""

from collections.abc import Iterator

import openai
import pytest
from fastapi.testclient import TestClient

from minirag.api.app import create_app
from minirag.bootstrap import Services
from tests.support.api import signup
from tests.support.knowledge import HANDBOOK, add_text, ingest, make_bot
from tests.support.server import serve
from tests.support.worker import IngestWorker


@pytest.fixture(scope="module")
def base_url(services: Services) -> Iterator[str]:
    with serve(create_app(services)) as url:
        yield url


def test_sdk_non_stream_and_stream(client: TestClient, worker: IngestWorker, base_url: str) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    ingest(client, worker, tenant, add_text(client, tenant, bot_id, HANDBOOK, name="Handbook"))
    sdk = openai.OpenAI(base_url=f"{base_url}/v1/openai/{bot_id}", api_key=tenant.token, max_retries=0)

    models = sdk.models.list()
    assert [m.id for m in models.data] == [bot_id]

    completion = sdk.chat.completions.create(
        model=bot_id, messages=[{"role": "user", "content": "How many days of holiday do I get?"}]
    )
    assert "27 days" in (completion.choices[0].message.content or "")
    assert completion.usage is not None and completion.usage.total_tokens > 0
    assert (
        completion.model_extra
        and completion.model_extra["minirag"]["sources"][0]["source_name"] == "Handbook"
    )

    chunks = list(
        sdk.chat.completions.create(
            model=bot_id,
            stream=True,
            stream_options={"include_usage": True},
            messages=[
                {"role": "user", "content": "How many days of holiday do I get?"},
                {"role": "assistant", "content": "27 days."},
                {"role": "user", "content": "Where do I report lost devices?"},
            ],
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "security@example.com" in text
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    assert any(c.choices and c.choices[0].finish_reason == "stop" for c in chunks)


def test_sdk_errors(client: TestClient, base_url: str) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    bad_key = openai.OpenAI(base_url=f"{base_url}/v1/openai/{bot_id}", api_key="mrag_wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad_key.chat.completions.create(model=bot_id, messages=[{"role": "user", "content": "hi"}])
    other = openai.OpenAI(base_url=f"{base_url}/v1/openai/not-a-bot", api_key=tenant.token, max_retries=0)
    with pytest.raises(openai.NotFoundError):
        other.chat.completions.create(model="x", messages=[{"role": "user", "content": "hi"}])
    sdk = openai.OpenAI(base_url=f"{base_url}/v1/openai/{bot_id}", api_key=tenant.token, max_retries=0)
    with pytest.raises(openai.UnprocessableEntityError):
        sdk.chat.completions.create(model=bot_id, messages=[{"role": "assistant", "content": "no question"}])
