"""Score-aware fusion: the retriever that is sure of this query decides."""

from dataclasses import dataclass

from minirag.services.fusion import adaptive, confidence, dense_weight


@dataclass(frozen=True)
class Hit:
    id: str
    score: float


def hits(*pairs: tuple[str, float]) -> list[Hit]:
    return [Hit(i, s) for i, s in pairs]


FLAT = [(f"f{n}", 0.50 - n * 0.001) for n in range(20)]


def test_a_peaked_retriever_outweighs_a_flat_one():
    dense = hits(("answer", 0.80), *[(f"d{n}", 0.30 - n * 0.01) for n in range(19)])
    sparse = hits(*FLAT[:5], ("answer", 0.45), *FLAT[5:])
    assert dense_weight(dense, sparse) > 0.99
    assert adaptive(dense, sparse)[0].id == "answer"


def test_a_name_match_wins_when_the_embedder_cannot_tell():
    sparse = hits(("name", 19.0), *[(f"s{n}", 6.0 - n * 0.2) for n in range(19)])
    dense = hits(*FLAT[:3], ("name", 0.497), *FLAT[3:])
    assert dense_weight(dense, sparse) < 0.1
    assert adaptive(dense, sparse)[0].id == "name"


def test_scores_are_between_zero_and_one_and_every_candidate_is_kept():
    dense, sparse = hits(("a", 0.9), ("b", 0.5)), hits(("c", 12.0), ("a", 3.0))
    fused = adaptive(dense, sparse)
    assert {f.id for f in fused} == {"a", "b", "c"}
    assert all(0.0 <= f.score <= 1.0 for f in fused) and fused == sorted(fused, key=lambda f: -f.score)


def test_one_empty_list_leaves_the_other_in_order():
    dense = hits(("a", 0.9), ("b", 0.5), ("c", 0.1))
    assert [f.id for f in adaptive(dense, [])] == ["a", "b", "c"]
    assert confidence([]) == 0.0 and confidence(hits(("x", 1.0))) == 1.0
