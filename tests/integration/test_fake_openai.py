"""The fake OpenAI server against the real clients: LiteLLM's HTTP path and the official openai SDK.

These tests also pin what LiteLLM 1.106.2 raises for each failure, which MiniRAG's error mapping relies on.
"""

import concurrent.futures
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

os.environ.setdefault(
    "LITELLM_LOCAL_MODEL_COST_MAP", "True"
)  # before importing litellm: no cost map download

import httpx
import litellm
import openai
import pytest
from litellm.exceptions import MidStreamFallbackError
from openai.types.chat import ChatCompletionMessageParam

from tests.support.fake_openai import FakeOpenAI, split_deltas

REPLY = "Paris is the capital of France."
MESSAGES: list[ChatCompletionMessageParam] = [
    {"role": "system", "content": "Answer briefly."},
    {"role": "user", "content": "Capital of France?"},
]
PROMPT_WORDS = 5


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(reply=REPLY, required_api_key="sk-test") as server:
        yield server


def complete(fake: FakeOpenAI, **kwargs: Any) -> litellm.ModelResponse:
    kwargs = {"api_key": "sk-test", "timeout": 2, "max_retries": 0, **kwargs}
    response = litellm.completion(
        model="openai/fake-model", api_base=fake.base_url, messages=MESSAGES, **kwargs
    )
    assert isinstance(response, litellm.ModelResponse)
    return response


def stream(fake: FakeOpenAI, **kwargs: Any) -> litellm.CustomStreamWrapper:
    kwargs = {"api_key": "sk-test", "timeout": 2, "max_retries": 0, **kwargs}
    response = litellm.completion(
        model="openai/fake-model", api_base=fake.base_url, messages=MESSAGES, stream=True, **kwargs
    )
    assert isinstance(response, litellm.CustomStreamWrapper)
    return response


def text_of(chunks: list[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


# the fake itself


def test_replies_split_into_word_deltas_that_concatenate_back() -> None:
    assert split_deltas("Hi  there, you ") == ["Hi", "  there,", " you "]
    assert split_deltas("") == []
    assert "".join(split_deltas(" a\nb ")) == " a\nb "


def test_records_requests_with_lower_cased_headers(fake: FakeOpenAI) -> None:
    complete(fake)

    path, headers, body = fake.requests[0]
    assert path == "/v1/chat/completions"
    assert headers["authorization"] == "Bearer sk-test"
    assert body["model"] == "fake-model"
    assert body["messages"] == MESSAGES


def test_scripted_reply_sees_the_request_and_faults_expire(fake: FakeOpenAI) -> None:
    fake.reply = lambda request: f"echo {request['messages'][-1]['content']}"
    fake.fail_with(status=503, times=1)

    with pytest.raises(litellm.ServiceUnavailableError):
        complete(fake)
    assert complete(fake).choices[0].message.content == "echo Capital of France?"


def test_shutdown_is_prompt_while_a_request_hangs() -> None:
    with FakeOpenAI() as fake:
        fake.hang(30)
        client = openai.OpenAI(base_url=fake.base_url, api_key="sk", max_retries=0, timeout=30)
        errors: list[Exception] = []

        def call() -> None:
            try:
                client.models.list()
            except openai.APIConnectionError as exc:
                errors.append(exc)

        caller = threading.Thread(target=call)
        caller.start()
        deadline = time.monotonic() + 2
        while not fake.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
    assert time.monotonic() - started < 1.5
    caller.join(2)
    assert len(errors) == 1


def test_serves_concurrent_streams(fake: FakeOpenAI) -> None:
    """Every reply waits at a barrier that only opens once all requests are in flight at the same time."""
    parallel = 16
    barrier = threading.Barrier(parallel, timeout=3)
    fake.reply = lambda request: f"answer {barrier.wait()}"
    client = openai.OpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=0, timeout=5)

    def ask(_: int) -> str:
        return text_of(
            list(client.chat.completions.create(model="fake-model", messages=MESSAGES, stream=True))
        )

    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        answers = list(pool.map(ask, range(parallel)))
    assert set(answers) == {f"answer {i}" for i in range(parallel)}


# litellm: success paths


def test_litellm_completion_returns_text_and_usage(fake: FakeOpenAI) -> None:
    response = complete(fake)

    assert response.choices[0].message.content == REPLY
    assert response.choices[0].finish_reason == "stop"
    usage = response.usage  # type: ignore[attr-defined]
    assert (usage.prompt_tokens, usage.completion_tokens) == (PROMPT_WORDS, len(split_deltas(REPLY)))
    assert usage.total_tokens == PROMPT_WORDS + len(split_deltas(REPLY))


def test_litellm_stream_puts_usage_on_one_extra_last_chunk(fake: FakeOpenAI) -> None:
    chunks = list(stream(fake, stream_options={"include_usage": True}))

    assert text_of(chunks) == REPLY
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-2:] == ["stop", None]
    with_usage = [i for i, c in enumerate(chunks) if getattr(c, "usage", None) is not None]
    assert with_usage == [len(chunks) - 1]
    last = chunks[-1]
    assert (last.usage.prompt_tokens, last.usage.completion_tokens) == (
        PROMPT_WORDS,
        len(split_deltas(REPLY)),
    )
    assert last.choices[0].delta.content is None
    assert fake.requests[0].json["stream_options"] == {"include_usage": True}


def test_litellm_stream_without_include_usage_has_no_usage(fake: FakeOpenAI) -> None:
    chunks = list(stream(fake))

    assert text_of(chunks) == REPLY
    assert all(getattr(c, "usage", None) is None for c in chunks)


def test_litellm_embedding_returns_vectors_of_the_configured_dimension() -> None:
    with FakeOpenAI(embedding_dim=12) as fake:
        response = litellm.embedding(
            model="openai/fake-embed",
            api_base=fake.base_url,
            api_key="sk-test",
            input=["alpha beta", "gamma"],
        )
        again = litellm.embedding(
            model="openai/fake-embed", api_base=fake.base_url, api_key="sk-test", input=["gamma"]
        )

    assert [len(item["embedding"]) for item in response.data] == [12, 12]
    assert response.data[1]["embedding"] == again.data[0]["embedding"]
    assert response.data[0]["embedding"] != response.data[1]["embedding"]
    assert response.usage is not None and response.usage.prompt_tokens == 3


# litellm: failures


def test_litellm_wrong_key_raises_authentication_error(fake: FakeOpenAI) -> None:
    with pytest.raises(litellm.AuthenticationError) as caught:
        complete(fake, api_key="sk-wrong")

    assert caught.value.status_code == 401
    assert caught.value.llm_provider == "openai"
    assert len(fake.requests) == 1


@pytest.mark.parametrize("no_retry", [{"num_retries": 0}, {"max_retries": 0}])
def test_litellm_429_raises_rate_limit_error_once(fake: FakeOpenAI, no_retry: dict[str, int]) -> None:
    fake.fail_with(status=429, retry_after=1)

    with pytest.raises(litellm.RateLimitError) as caught:
        litellm.completion(
            model="openai/fake-model",
            api_base=fake.base_url,
            api_key="sk-test",
            messages=MESSAGES,
            **no_retry,
        )

    assert caught.value.status_code == 429
    assert getattr(caught.value, "litellm_response_headers", {}).get("retry-after") == "1"
    assert len(fake.requests) == 1


def test_litellm_completion_retries_twice_by_default(fake: FakeOpenAI) -> None:
    fake.fail_with(status=500)

    with pytest.raises(litellm.InternalServerError) as caught:
        litellm.completion(
            model="openai/fake-model", api_base=fake.base_url, api_key="sk-test", messages=MESSAGES
        )

    assert caught.value.status_code == 500
    assert len(fake.requests) == 3


def test_litellm_embedding_ignores_max_retries_zero(fake: FakeOpenAI) -> None:
    """`max_retries or DEFAULT_MAX_RETRIES` in litellm's OpenAI embedding path turns 0 into 2."""
    fake.fail_with(status=429, retry_after=0)

    with pytest.raises(litellm.RateLimitError):
        litellm.embedding(
            model="openai/fake-embed", api_base=fake.base_url, api_key="sk-test", input=["a"], max_retries=0
        )

    assert len(fake.requests) == 3


@pytest.mark.parametrize("streaming", [False, True])
def test_litellm_hang_before_headers_raises_timeout(fake: FakeOpenAI, streaming: bool) -> None:
    fake.hang(5)
    started = time.monotonic()

    with pytest.raises(litellm.Timeout) as caught:
        if streaming:
            stream(fake, timeout=1)
        else:
            complete(fake, timeout=1)

    assert 0.9 < time.monotonic() - started < 3
    assert isinstance(caught.value, openai.APITimeoutError)
    assert caught.value.status_code == 408


def test_litellm_stall_after_headers_raises_mid_stream_error_not_timeout(fake: FakeOpenAI) -> None:
    fake.first_token_delay_s = 3
    chunks = stream(fake, timeout=0.5)

    with pytest.raises(MidStreamFallbackError) as caught:
        list(chunks)

    assert caught.value.is_pre_first_chunk
    assert type(caught.value.original_exception) is litellm.APIConnectionError
    assert not isinstance(caught.value, litellm.Timeout)


def test_litellm_disconnect_mid_stream_raises_instead_of_ending(fake: FakeOpenAI) -> None:
    fake.disconnect_after(2)
    received: list[Any] = []

    with pytest.raises(MidStreamFallbackError) as caught:
        received.extend(stream(fake, stream_options={"include_usage": True}))

    error = caught.value
    assert isinstance(error, litellm.ServiceUnavailableError)
    assert error.status_code == 500
    assert type(error.original_exception) is litellm.APIConnectionError
    assert "incomplete chunked read" in str(error.original_exception)
    assert error.generated_content == "Paris is"
    assert not error.is_pre_first_chunk


# openai SDK


@pytest.fixture
def client(fake: FakeOpenAI) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=0, timeout=2)


def test_sdk_completion_and_stream(client: openai.OpenAI) -> None:
    response = client.chat.completions.create(model="fake-model", messages=MESSAGES)
    chunks = list(
        client.chat.completions.create(
            model="fake-model",
            messages=MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
        )
    )

    assert response.choices[0].message.content == REPLY
    assert response.usage is not None and response.usage.prompt_tokens == PROMPT_WORDS
    assert chunks[0].choices[0].delta.role == "assistant"
    assert text_of(chunks) == REPLY
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == len(split_deltas(REPLY))


def test_sdk_base64_embeddings_and_models(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    vectors = client.embeddings.create(model="fake-embed", input=["gamma"], dimensions=4)
    models = client.models.list()

    assert fake.requests[0].json["encoding_format"] == "base64"
    assert len(vectors.data[0].embedding) == 4
    assert [m.id for m in models] == ["fake-model", "fake-embed"]


def test_sdk_disconnect_surfaces_raw_httpx_error(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    fake.disconnect_after(1)
    chunks = client.chat.completions.create(model="fake-model", messages=MESSAGES, stream=True)

    with pytest.raises(httpx.RemoteProtocolError):
        list(chunks)
