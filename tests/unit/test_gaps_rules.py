"""The rules of grounding and gaps (domain/gaps.py): what counts as cited, not found, and a gap."""

from minirag.domain.gaps import DEFAULT_NOT_FOUND_PHRASES, cosine, gap_reasons, grounding, nearest


def test_an_answer_cites_only_the_passages_it_was_given() -> None:
    assert grounding("27 days [1].", [0.9, 0.4], [1, 2], DEFAULT_NOT_FOUND_PHRASES).cited
    assert not grounding("27 days [3].", [0.9], [1], DEFAULT_NOT_FOUND_PHRASES).cited
    assert not grounding("27 days.", [0.9], [1], DEFAULT_NOT_FOUND_PHRASES).cited


def test_not_found_is_any_configured_phrase_in_any_case_and_spacing() -> None:
    said = grounding("Sorry,  I COULDN'T find\nthat.", [], [], DEFAULT_NOT_FOUND_PHRASES)
    assert said.not_found and said.top_score is None
    assert not grounding("Lunch is at noon [1].", [0.5], [1], DEFAULT_NOT_FOUND_PHRASES).not_found
    assert grounding("I couldn\u2019t find it.", [], [], DEFAULT_NOT_FOUND_PHRASES).not_found
    assert grounding("Das steht nicht drin.", [], [], ("steht nicht drin",)).not_found
    assert not grounding("", [], [], DEFAULT_NOT_FOUND_PHRASES).not_found


def test_gap_reasons() -> None:
    assert gap_reasons(not_found=False, top_score=0.9, feedback=None, min_score=None) == []
    assert gap_reasons(not_found=True, top_score=0.9, feedback=None, min_score=None) == ["not_found"]
    assert gap_reasons(not_found=False, top_score=None, feedback=None, min_score=None) == ["no_sources"]
    assert gap_reasons(not_found=False, top_score=0.1, feedback=None, min_score=0.3) == ["low_score"]
    assert gap_reasons(not_found=None, top_score=None, feedback="negative", min_score=None) == [
        "negative_feedback"
    ], "an answer stored before grounding existed is a gap only by its rating"


def test_nearest_and_cosine() -> None:
    assert (
        cosine([1.0, 0.0], [0.0, 1.0]) == 0.0 and cosine([], []) == 0.0 and cosine([1.0], [1.0, 0.0]) == 0.0
    )
    best, score = nearest([1.0, 0.1], [("a", [0.0, 1.0]), ("b", [1.0, 0.0])])
    assert best == "b" and score > 0.99
    assert nearest([1.0], []) == (None, -1.0)
