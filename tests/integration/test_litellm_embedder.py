"""LiteLLMEmbedder over real HTTP: OpenAI-protocol providers are asked for base64 (4 bytes a dimension
instead of a JSON number) and decoded to the same floats; other providers keep LiteLLM's default."""

import os
import warnings

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm
import pytest

from minirag.adapters.litellm_embedder import LiteLLMEmbedder
from tests.support.fake_openai import FakeOpenAI


def test_openai_protocol_embeddings_come_as_base64_and_decode_to_the_float_answer() -> None:
    texts = ["alpha beta", "gamma", "delta " * 40]
    with FakeOpenAI(embedding_dim=1536) as fake:
        embedder = LiteLLMEmbedder(
            "openai/fake-embed", api_key="sk-test", api_base=fake.base_url, batch_size=2
        )
        with warnings.catch_warnings(record=True) as shown:  # the filters in force, recorded
            got = embedder.embed(texts)
        floats = litellm.embedding(
            model="openai/fake-embed", api_base=fake.base_url, api_key="sk-t", input=texts
        )
        sent = [r.json for r in fake.requests if r.path.endswith("/embeddings")]

    assert [s.get("encoding_format") for s in sent] == ["base64", "base64", None]
    assert not [w for w in shown if "Pydantic serializer" in str(w.message)]  # LiteLLM's, silenced
    assert [len(v) for v in got] == [1536] * 3
    expected = [item["embedding"] for item in sorted(floats.data, key=lambda d: d["index"])]
    for mine, theirs in zip(got, expected, strict=True):
        assert all(isinstance(x, float) for x in mine)
        assert mine == pytest.approx(theirs, rel=1e-6, abs=1e-7)  # float32 on the wire


def test_other_providers_are_not_asked_for_base64() -> None:
    embedder = LiteLLMEmbedder("cohere/embed-english-v3.0", api_key="k")
    assert embedder._speaks_openai(litellm) is False
    assert LiteLLMEmbedder("openai/x", api_base="http://127.0.0.1:9/v1")._speaks_openai(litellm) is True
