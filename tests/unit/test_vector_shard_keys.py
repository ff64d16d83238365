"""A large tenant's own shard on the embedded engine: its points and queries go to its shard key's folder,
every other tenant's to the shared one; a tenant moves there without a query missing its passages."""

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from minirag.adapters.qdrant_edge import QdrantEdgeVectorStore, close_shards
from minirag.adapters.vector_names import collection_name
from minirag.domain.lexical import query_vector
from minirag.domain.vectors import VectorPoint, VectorQuery
from tests.unit.test_vector_stores import point, unit

MODEL, DIM = "test/model-8", 8


def points(tenant: str, n: int, seed: int) -> list[VectorPoint]:
    rng = random.Random(seed)
    return [
        point(
            tenant,
            "b1",
            "s1",
            1,
            f"k{i}",
            unit([rng.uniform(-1, 1) for _ in range(DIM)]),
            f"leave policy {i}",
        )
        for i in range(n)
    ]


def query(tenant: str, mode: str = "hybrid") -> VectorQuery:
    return VectorQuery(
        model=MODEL,
        tenant_id=tenant,
        bot_id="b1",
        live_tags=["s1:1"],
        dense=unit([1.0] * DIM),
        sparse=query_vector("leave policy"),
        limit=5,
        mode=mode,
    )


def folders(root: Path) -> set[str]:
    return {p.name for p in root.iterdir() if p.is_dir()}


@pytest.fixture
def root(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "edge"
    close_shards(tmp_path / "edge")


def test_a_large_tenants_points_and_queries_use_its_own_shard(root: Path) -> None:
    keys = {"big": "big-1"}
    store = QdrantEdgeVectorStore(root, shard_keys=keys.get)
    store.upsert(model=MODEL, points=points("big", 30, 1) + points("small", 10, 2))

    shared = collection_name(MODEL)
    assert folders(root) == {shared, f"{shared}--big-1"}
    assert store.count(tenant_id="big") == 30 and store.count(tenant_id="small") == 10
    assert {h.payload["tenant_id"] for h in store.search(query("big"))} == {"big"}
    assert {h.payload["tenant_id"] for h in store.search(query("small"))} == {"small"}

    shared_only = QdrantEdgeVectorStore(root)  # a store that does not know the key reads the shared shard
    assert shared_only.search(query("big")) == []
    store.delete_source(tenant_id="big", source_id="s1")
    assert store.count(tenant_id="big") == 0 and store.count(tenant_id="small") == 10


def test_a_tenant_moves_to_its_own_shard_and_answers_the_same(root: Path) -> None:
    keys: dict[str, str] = {}
    store = QdrantEdgeVectorStore(root, shard_keys=keys.get)
    store.upsert(model=MODEL, points=points("big", 300, 1) + points("small", 10, 2))
    before = [(h.id, round(h.score, 5)) for h in store.search(query("big", "dense"))]
    late = point("big", "b1", "s1", 1, "late", unit([-1.0] * DIM), "written during the copy")

    def switch() -> None:
        store.upsert(model=MODEL, points=[late])  # before the switch: to the shared shard
        keys["big"] = "big-1"

    moved = store.move_tenant(model=MODEL, tenant_id="big", key="big-1", switch=switch)

    assert moved == 301 and store.count(tenant_id="big") == 301  # no copy left behind, none lost
    assert [(h.id, round(h.score, 5)) for h in store.search(query("big", "dense"))] == before
    assert QdrantEdgeVectorStore(root).search(query("big")) == []  # gone from the shared shard
    assert store.count(tenant_id="small") == 10 and store.search(query("small"))


def test_shard_keys_are_checked(root: Path) -> None:
    store = QdrantEdgeVectorStore(root, shard_keys=lambda _: "../elsewhere")
    with pytest.raises(ValueError, match="shard key"):
        store.upsert(model=MODEL, points=points("t", 1, 1))
