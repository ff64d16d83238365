"""Remote-search sources without HTTP: merge order, config sealing, the prompt label, the time budget."""

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from minirag.domain.errors import UnprocessableError
from minirag.domain.knowledge import Source, SourceStatus, SourceType
from minirag.domain.prompt import context_text
from minirag.domain.remote import SEALED_TOKEN, RemoteEndpoint, RemoteHit, RemoteInventory, RemoteSearchError
from minirag.domain.vectors import VectorHit
from minirag.services.chat_prompt import citations
from minirag.services.remote_config import changed_config, endpoint, prepare_config, public_config
from minirag.services.remote_search import RemoteSources, merge_hits

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def hit(hit_id: str, score: float, source_id: str, authority: str | None = None) -> VectorHit:
    return VectorHit(hit_id, score, {"source_id": source_id, "authority": authority, "text": hit_id})


def test_mandatory_first_then_ours_and_theirs_in_turn() -> None:
    local = [hit("l1", 0.03, "local"), hit("l2", 0.02, "local"), hit("l3", 0.01, "local")]
    remote = [
        [hit("g1", 0.9, "nyx", "guideline"), hit("m1", 0.5, "nyx", "mandatory"), hit("i1", 0.4, "nyx")],
        [hit("m2", 0.7, "other", "mandatory")],
    ]

    merged = [h.id for h in merge_hits(local, remote)]

    assert merged == ["m2", "m1", "l1", "g1", "l2", "i1", "l3"]


def test_merge_keeps_one_of_a_repeated_passage() -> None:
    twice = [[hit("a", 0.9, "nyx"), hit("a", 0.8, "nyx")]]
    assert [h.id for h in merge_hits([], twice)] == ["a"]
    assert merge_hits([hit("x", 0.1, "local")], []) == [hit("x", 0.1, "local")]


def check_ok(url: str) -> None:
    return None


def seal(token: str) -> str:
    return f"sealed({token})"


def test_the_token_is_sealed_and_shown_only_as_a_flag() -> None:
    config: dict[str, Any] = {
        "base_url": "https://kb.example",
        "api_token": "nyx_ax_1",
        "authority": "mandatory",
    }

    prepare_config("nyxcore", config, check_url=check_ok, seal=seal)

    assert config == {
        "base_url": "https://kb.example",
        "limit": 10,
        "authority": ["mandatory"],
        SEALED_TOKEN: "sealed(nyx_ax_1)",
    }
    assert public_config("nyxcore", config) == {
        "base_url": "https://kb.example",
        "limit": 10,
        "authority": ["mandatory"],
        "has_api_token": True,
    }
    assert endpoint(config, unseal=lambda s: s[7:-1]) == RemoteEndpoint(
        "https://kb.example", "nyx_ax_1", 10, ("mandatory",)
    )


def test_a_token_sealed_under_a_retired_key_is_a_readable_error() -> None:
    def retired(sealed: str) -> str:
        raise ValueError("InvalidToken")

    with pytest.raises(UnprocessableError, match=r"set config\.api_token again"):
        endpoint({"base_url": "https://kb.example", SEALED_TOKEN: "old"}, unseal=retired)


def test_a_client_cannot_plant_a_sealed_token() -> None:
    config: dict[str, Any] = {"base_url": "https://kb.example", SEALED_TOKEN: "forged"}
    prepare_config("nyxcore", config, check_url=check_ok, seal=seal)
    assert SEALED_TOKEN not in config and public_config("nyxcore", config)["has_api_token"] is False


@pytest.mark.parametrize(
    "bad",
    [
        {"limit": 0},
        {"limit": 51},
        {"limit": True},
        {"authority": ["binding"]},
        {"base_url": " "},
        {"api_token": 5},
    ],
)
def test_bad_config_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(UnprocessableError):
        prepare_config("nyxcore", {"base_url": "https://kb.example", **bad}, check_url=check_ok, seal=seal)


def test_the_base_url_goes_through_the_url_policy() -> None:
    def refuse(url: str) -> None:
        raise UnprocessableError(f"{url}: not allowed")

    with pytest.raises(UnprocessableError, match=r"169\.254\.169\.254"):
        prepare_config("nyxcore", {"base_url": "http://169.254.169.254"}, check_url=refuse, seal=seal)


def test_a_config_change_keeps_or_removes_the_token() -> None:
    old = {"base_url": "https://kb.example", "limit": 10, SEALED_TOKEN: "sealed(old)"}

    def validate(config: dict[str, Any]) -> None:
        prepare_config("nyxcore", config, check_url=check_ok, seal=seal)

    kept = changed_config("nyxcore", old, {"limit": 3}, validate)
    replaced = changed_config("nyxcore", old, {"api_token": "new"}, validate)
    removed = changed_config("nyxcore", old, {"api_token": ""}, validate)

    assert kept == {"base_url": "https://kb.example", "limit": 3, SEALED_TOKEN: "sealed(old)"}
    assert replaced[SEALED_TOKEN] == "sealed(new)"
    assert SEALED_TOKEN not in removed
    assert changed_config("url", {"url": "a"}, {"url": "b"}, lambda c: None) == {"url": "b"}


def test_the_model_sees_which_passages_are_mandatory() -> None:
    rule = VectorHit("r", 0.5, {"text": "Approval needed.", "source_name": "hr.md", "authority": "mandatory"})
    ours = VectorHit("o", 0.1, {"text": "27 days.", "source_name": "Handbook", "heading_path": ["Holidays"]})

    cited, blocks = citations([rule, ours])

    assert [c.source_name for c in cited] == ["hr.md", "Handbook"]
    assert context_text(blocks).splitlines()[0] == "[1] hr.md [MANDATORY]"
    assert "[2] Handbook \u2014 Holidays" in context_text(blocks)


class ScriptedRemote:
    """An in-memory RemoteSearch: answers, fails or stalls as told."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.release = threading.Event()

    def inventory(self, endpoint: RemoteEndpoint) -> RemoteInventory:
        return RemoteInventory(document_count=1, chunk_count=2)

    def search(self, endpoint: RemoteEndpoint, query: str) -> list[RemoteHit]:
        if self.behaviour == "stall":
            self.release.wait(5)
        if self.behaviour == "fail":
            raise RemoteSearchError("NyxCore refused: QUOTA")
        if self.behaviour == "crash":
            raise KeyError("results")
        return [RemoteHit(chunk_id="c1", content="Remote text.", score=0.5, filename="kb.md")]


class InMemorySources:
    def __init__(self, source: Source) -> None:
        self.saved: list[Source] = []
        self.source = source

    def get(self, *, tenant_id: str, source_id: str) -> Source | None:
        return self.saved[-1] if self.saved else self.source

    def save(self, *, tenant_id: str, source: Source) -> None:
        self.saved.append(source)


class FixedClock:
    def now(self) -> datetime:
        return NOW


def remote_source() -> Source:
    return Source(
        id="s1",
        tenant_id="t1",
        bot_profile_id="b1",
        name="KB",
        source_type=SourceType.NYXCORE,
        created_at=NOW,
        updated_at=NOW,
        status=SourceStatus.READY,
        config={"base_url": "https://kb.example", SEALED_TOKEN: "x"},
    )


def remote_sources(
    behaviour: str, stored: Source | None = None
) -> tuple[RemoteSources, ScriptedRemote, InMemorySources]:
    scripted = ScriptedRemote(behaviour)
    repo = InMemorySources(stored or remote_source())
    service = RemoteSources(
        searchers={SourceType.NYXCORE: scripted},
        sources=repo,  # type: ignore[arg-type]
        unseal=lambda s: s,
        clock=FixedClock(),
        timeout_s=0.3,
    )
    return service, scripted, repo


@pytest.mark.parametrize(
    ("behaviour", "noted"), [("stall", "no answer within 0.3 s"), ("fail", "QUOTA"), ("crash", "unreadable")]
)
def test_a_failing_remote_leaves_our_hits_and_a_note_on_the_source(behaviour: str, noted: str) -> None:
    service, scripted, repo = remote_sources(behaviour)
    local = [hit("l1", 0.1, "local")]

    started = time.monotonic()
    merged = service.start("question", [remote_source()]).merge(local)
    elapsed = time.monotonic() - started
    scripted.release.set()

    assert merged == local and elapsed < 1.0
    assert len(repo.saved) == 1 and repo.saved[0].status == SourceStatus.READY
    assert repo.saved[0].error_message is not None and noted in repo.saved[0].error_message


def test_an_answer_clears_the_note_and_unchanged_notes_are_not_rewritten() -> None:
    noted = replace(remote_source(), error_message="search failed: QUOTA")
    service, _, repo = remote_sources("ok", stored=noted)

    merged = service.start("question", [noted]).merge([])
    service.start("question", [remote_source()]).merge([])

    assert [(h.id, h.payload["source_name"]) for h in merged] == [("c1", "kb.md")]
    assert [s.error_message for s in repo.saved] == [None]  # cleared once; a clean source writes nothing


def test_the_connection_check_counts_what_the_remote_holds() -> None:
    service, _, _ = remote_sources("ok")
    checked = service.check(remote_source())
    assert (checked.document_count, checked.chunk_count) == (1, 2)
