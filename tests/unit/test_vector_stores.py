"""The VectorStore contract, run against qdrant-client's local mode and the in-process Qdrant Edge shard.

Small synthetic data in 8 dimensions, built so each mode has one unambiguous answer around the query
(dense e0, text "zebra quartz"): DENSE is e0 itself with no query term, SPARSE repeats both terms but
points away from e0, BOTH is second in each list (so only fusion ranks it first), fillers are far from
e0 and share no term. Tenant B holds the same bot id, source ids and live tags, with a perfect match.
"""

import math
import os
import random
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from qdrant_client import QdrantClient

import minirag
from minirag.adapters.edge_process import EdgeProcessVectorStore, VectorProcess
from minirag.adapters.qdrant import QdrantVectorStore, point_id
from minirag.adapters.qdrant_edge import QdrantEdgeVectorStore, close_shards
from minirag.domain.errors import DependencyUnavailableError
from minirag.domain.lexical import document_vector, query_vector
from minirag.domain.vectors import VectorHit, VectorPoint, VectorQuery
from minirag.ports import VectorStore

MODEL = "test/model-8"
DIM = 8
A, B = "tenant-a", "tenant-b"
QUERY_TEXT = "zebra quartz"
FILLER_WORDS = ("meadow", "river", "lantern", "copper", "violet", "harbor", "pepper", "canyon")
LIVE = ["src-1:1", "src-2:1"]
KINDS = ["qdrant-local", "qdrant-edge", "edge-process"]


def unit(values: list[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in values))
    return [v / norm for v in values]


def axis(i: int, dim: int = DIM) -> list[float]:
    return [1.0 if j == i else 0.0 for j in range(dim)]


def far_from_e0(rng: random.Random, dim: int = DIM) -> list[float]:
    """Cosine with e0 at most 0.45: a coefficient up to 0.5 on e0 plus a unit vector on the other axes."""
    rest = unit([0.0] + [rng.gauss(0, 1) for _ in range(dim - 1)])
    return [rng.uniform(-0.5, 0.5) + rest[0], *rest[1:]]


def point(
    tenant: str, bot: str, source: str, version: int, key: str, dense: list[float], text: str
) -> VectorPoint:
    payload = {
        "tenant_id": tenant,
        "bot_id": bot,
        "source_id": source,
        "live": f"{source}:{version}",
        "text": text,
        "key": key,
    }
    return VectorPoint(
        id=point_id(tenant, source, version, key), dense=dense, sparse=document_vector(text), payload=payload
    )


def corpus(seed: int = 7) -> list[VectorPoint]:
    rng = random.Random(seed)

    def filler(tenant: str, bot: str, source: str, n: int) -> list[VectorPoint]:
        return [
            point(
                tenant,
                bot,
                source,
                1,
                f"{source}-f{i}",
                far_from_e0(rng),
                " ".join(rng.sample(FILLER_WORDS, 3)),
            )
            for i in range(n)
        ]

    return [
        point(A, "bot-1", "src-1", 1, "dense", axis(0), "plain meadow river"),
        point(A, "bot-1", "src-1", 1, "both", unit([1.0, 0.35] + [0.0] * (DIM - 2)), "zebra quartz notes"),
        point(
            A, "bot-1", "src-1", 1, "sparse", unit([-1.0, 0.0, 0.3] + [0.0] * (DIM - 3)), "zebra quartz " * 3
        ),
        *filler(A, "bot-1", "src-1", 10),
        *filler(A, "bot-1", "src-2", 6),
        point(A, "bot-2", "src-3", 1, "other-bot", axis(0), "zebra quartz zebra quartz"),
        *filler(A, "bot-2", "src-3", 3),
        point(B, "bot-1", "src-1", 1, "intruder", axis(0), "zebra quartz zebra quartz"),
        *filler(B, "bot-1", "src-2", 4),
    ]


def count_of(points: list[VectorPoint], tenant: str, source: str | None = None) -> int:
    return sum(
        1 for p in points if p.payload["tenant_id"] == tenant and source in (None, p.payload["source_id"])
    )


def ask(
    tenant: str = A,
    bot: str = "bot-1",
    live: list[str] | None = None,
    text: str = QUERY_TEXT,
    *,
    mode: str = "hybrid",
    fusion: str = "rrf",
    limit: int = 5,
    source_ids: list[str] | None = None,
) -> VectorQuery:
    return VectorQuery(
        model=MODEL,
        tenant_id=tenant,
        bot_id=bot,
        live_tags=LIVE if live is None else live,
        dense=[] if mode == "sparse" else axis(0),
        sparse=query_vector(text),
        limit=limit,
        mode=mode,
        fusion=fusion,
        source_ids=source_ids or [],
    )


def keys(hits: list[VectorHit]) -> list[str]:
    return [h.payload["key"] for h in hits]


@contextmanager
def scratch() -> Iterator[Path]:
    """On tmpfs when there is one: an fsync costs about 0.1 s on these disks, and a new shard makes five."""
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as name:
        yield Path(name)


@contextmanager
def opened(kind: str) -> Iterator[VectorStore]:
    with scratch() as folder:
        if kind == "qdrant-local":
            client = QdrantClient(path=str(folder / "qdrant"))
            yield QdrantVectorStore(client)
            client.close()
        elif kind == "edge-process":  # make run's: the same engine in a process of its own
            vectors = VectorProcess(folder / "edge", socket_dir=folder)
            store = EdgeProcessVectorStore(vectors.address, vectors.authkey)
            yield store
            store.close()
            vectors.stop()
        else:
            yield QdrantEdgeVectorStore(folder / "edge")
            close_shards(folder / "edge")


@pytest.fixture(scope="module", params=KINDS)
def reader(request: pytest.FixtureRequest) -> Iterator[VectorStore]:
    """The corpus, loaded once per store for the tests that only read."""
    with opened(request.param) as store:
        store.upsert(model=MODEL, points=corpus())
        yield store


@pytest.fixture(params=KINDS)
def loaded(request: pytest.FixtureRequest) -> Iterator[VectorStore]:
    with opened(request.param) as store:
        store.upsert(model=MODEL, points=corpus())
        yield store


@pytest.fixture
def edge_root() -> Iterator[Path]:
    with scratch() as folder:
        yield folder / "edge"
        close_shards(folder / "edge")


def test_count_is_per_tenant_and_source(reader: VectorStore) -> None:
    points = corpus()
    assert reader.count(tenant_id=A) == count_of(points, A) == 23
    assert reader.count(tenant_id=A, source_id="src-2") == count_of(points, A, "src-2") == 6
    assert reader.count(tenant_id=B) == 5
    assert reader.count(tenant_id="tenant-c") == 0


def test_upsert_again_replaces_instead_of_adding(loaded: VectorStore) -> None:
    again = corpus()
    again[0].payload["text"] = "plain meadow river, revised"
    loaded.upsert(model=MODEL, points=again)
    assert loaded.count(tenant_id=A) == 23
    top = loaded.search(ask(mode="dense"))[0]
    assert (top.id, top.payload["text"]) == (again[0].id, "plain meadow river, revised")


@pytest.mark.parametrize(("mode", "expected"), [("dense", "dense"), ("sparse", "sparse"), ("hybrid", "both")])
def test_each_mode_ranks_its_own_best_point_first(reader: VectorStore, mode: str, expected: str) -> None:
    hits = reader.search(ask(mode=mode))
    assert keys(hits)[0] == expected
    assert hits[0].id == point_id(A, "src-1", 1, expected)
    assert len(hits) == (2 if mode == "sparse" else 5), "sparse matches only points holding a query term"


def test_sparse_scores_weigh_rare_terms_above_frequent_ones(loaded: VectorStore) -> None:
    frequent, rare = "copper", "ocelot"  # copper is a filler word, in about a third of the corpus
    loaded.upsert(
        model=MODEL,
        points=[
            point(A, "bot-1", "src-4", 1, "frequent", axis(3), f"{frequent} {frequent} {frequent}"),
            point(A, "bot-1", "src-4", 1, "rare", axis(4), rare),
        ],
    )
    hits = loaded.search(ask(live=["src-4:1"], text=f"{frequent} {rare}", mode="sparse"))
    assert keys(hits) == ["rare", "frequent"], "without IDF, three copper outweigh one ocelot"


def test_both_fusions_rank_the_point_second_in_each_list_first(reader: VectorStore) -> None:
    rrf = reader.search(ask(fusion="rrf"))
    weighted = reader.search(ask(fusion="weighted"))
    assert keys(rrf)[0] == keys(weighted)[0] == "both"
    assert rrf[0].score == pytest.approx(1 / 3 + 1 / 3), "reciprocal rank fusion with Qdrant's k = 2"
    assert weighted[0].score != pytest.approx(rrf[0].score), "weighted means distribution-based fusion"


@pytest.mark.parametrize("mode", ["hybrid", "dense", "sparse"])
def test_another_tenant_naming_the_same_bot_and_tags_gets_nothing(reader: VectorStore, mode: str) -> None:
    assert reader.search(ask(tenant="tenant-c", mode=mode)) == []
    assert {h.payload["tenant_id"] for h in reader.search(ask(mode=mode))} == {A}
    assert keys(reader.search(ask(tenant=B, mode=mode)))[0] == "intruder"


def test_a_bot_sees_only_its_own_points_whatever_tags_it_names(reader: VectorStore) -> None:
    hits = reader.search(ask(live=[*LIVE, "src-3:1"], limit=20))
    assert {h.payload["bot_id"] for h in hits} == {"bot-1"}
    assert len(hits) == 19
    assert {h.payload["bot_id"] for h in reader.search(ask(bot="bot-2", live=["src-3:1"]))} == {"bot-2"}


def test_only_the_named_live_tags_match(loaded: VectorStore) -> None:
    loaded.upsert(model=MODEL, points=[point(A, "bot-1", "src-1", 2, "v2", axis(1), "zebra revised")])
    assert keys(loaded.search(ask(live=["src-1:2"]))) == ["v2"]
    assert "v2" not in keys(loaded.search(ask(limit=20)))
    assert loaded.search(ask(live=[])) == []


def test_source_ids_narrow_the_live_tags(reader: VectorStore) -> None:
    hits = reader.search(ask(source_ids=["src-2"], limit=20))
    assert len(hits) == 6
    assert {h.payload["source_id"] for h in hits} == {"src-2"}


def test_delete_source_keeps_only_the_named_version(loaded: VectorStore) -> None:
    loaded.upsert(
        model=MODEL, points=[point(A, "bot-1", "src-1", 2, f"v2-{i}", axis(i), "new") for i in range(3)]
    )
    loaded.delete_source(tenant_id=A, source_id="src-1", keep_version=2)
    assert loaded.count(tenant_id=A, source_id="src-1") == 3
    assert loaded.search(ask(live=["src-1:1"])) == []
    assert loaded.count(tenant_id=B, source_id="src-1") == 1, "another tenant's source of the same id stays"
    assert loaded.count(tenant_id=A, source_id="src-2") == 6
    loaded.delete_source(tenant_id=A, source_id="src-1")
    assert loaded.count(tenant_id=A, source_id="src-1") == 0


def test_delete_bot_removes_that_bot_of_that_tenant(loaded: VectorStore) -> None:
    loaded.delete_bot(tenant_id=A, bot_id="bot-1")
    assert loaded.count(tenant_id=A) == 4, "bot-2's points remain"
    assert loaded.count(tenant_id=B) == 5, "the same bot id in another tenant remains"
    assert loaded.search(ask()) == []


def test_every_embedding_model_is_its_own_collection(loaded: VectorStore) -> None:
    wide = point(A, "bot-1", "src-1", 1, "wide", axis(0, 16), "zebra")
    loaded.upsert(model="test/model-16", points=[wide])
    assert loaded.count(tenant_id=A) == 24, "count spans every model"
    query = ask(mode="dense")
    query.model, query.dense = "test/model-16", axis(0, 16)
    assert keys(loaded.search(query)) == ["wide"]
    query.model = "test/never-used"
    assert loaded.search(query) == []
    loaded.delete_source(tenant_id=A, source_id="src-1")
    assert loaded.count(tenant_id=A) == 10, "deletes span every model"


def test_a_sparse_query_of_stopwords_finds_nothing(reader: VectorStore) -> None:
    assert reader.search(ask(mode="sparse", text="the and of")) == []


def test_ping(reader: VectorStore) -> None:
    reader.ping()


# Qdrant Edge only: files, processes and threads.


def test_reopening_the_folder_keeps_the_points(edge_root: Path) -> None:
    QdrantEdgeVectorStore(edge_root).upsert(model=MODEL, points=corpus())
    close_shards(edge_root)
    reopened = QdrantEdgeVectorStore(edge_root)
    assert reopened.count(tenant_id=A) == 23
    assert keys(reopened.search(ask()))[0] == "both"


HOLDER = """
import sys
from pathlib import Path
from minirag.adapters.qdrant_edge import QdrantEdgeVectorStore
from minirag.domain.lexical import document_vector
from minirag.domain.vectors import VectorPoint
payload = {"tenant_id": "t", "bot_id": "b", "source_id": "s", "live": "s:1", "key": "k"}
point = VectorPoint("6f1c1f55-3c39-4c57-9a3c-5d0d3f7f2a11", [1.0, 0.0], document_vector("zebra"), payload)
QdrantEdgeVectorStore(Path(sys.argv[1]), flush_interval_s=3600).upsert(model=sys.argv[2], points=[point])
print("written", flush=True)
sys.stdin.read()
"""


def test_another_process_holds_the_folder_and_its_unflushed_writes_survive_its_death(edge_root: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(minirag.__file__).parents[1])}
    holder = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", HOLDER, str(edge_root), MODEL],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "written\n"
        with pytest.raises(DependencyUnavailableError):
            QdrantEdgeVectorStore(edge_root).count(tenant_id="t")
    finally:
        holder.kill()  # SIGKILL: no flush, no exit handler; only the write-ahead log has the point
        holder.communicate(timeout=30)
    store = QdrantEdgeVectorStore(edge_root)
    assert store.count(tenant_id="t") == 1
    found = store.search(VectorQuery(MODEL, "t", "b", ["s:1"], [1.0, 0.0], query_vector("zebra"), limit=3))
    assert keys(found) == ["k"]


def test_a_folder_that_cannot_be_created_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    store = QdrantEdgeVectorStore(blocker / "edge")
    with pytest.raises(DependencyUnavailableError):
        store.upsert(model=MODEL, points=corpus()[:1])
    with pytest.raises(DependencyUnavailableError):
        store.ping()


def test_a_wrong_dimension_is_a_bug_not_an_outage(edge_root: Path) -> None:
    store = QdrantEdgeVectorStore(edge_root)
    store.upsert(model=MODEL, points=corpus()[:1])
    with pytest.raises(Exception, match="dimension") as raised:
        store.upsert(model=MODEL, points=[point(A, "bot-1", "src-1", 1, "x", axis(0, 16), "zebra")])
    assert not isinstance(raised.value, DependencyUnavailableError)


def test_searches_run_while_another_store_on_the_folder_writes(edge_root: Path) -> None:
    """The API's threads and the ingest worker each build their own store over one folder."""
    store, writer = QdrantEdgeVectorStore(edge_root), QdrantEdgeVectorStore(edge_root)
    writer.upsert(model=MODEL, points=corpus())
    rng = random.Random(3)
    extra = [point(A, "bot-1", "src-2", 1, f"w{i}", far_from_e0(rng), "lantern") for i in range(100)]
    failures: list[BaseException] = []
    tops: list[str] = []

    def read() -> None:
        try:
            tops.extend(keys(store.search(ask()))[0] for _ in range(40))
        except BaseException as exc:
            failures.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers:
        thread.start()
    for start in range(0, 100, 10):
        writer.upsert(model=MODEL, points=extra[start : start + 10])
    for thread in readers:
        thread.join()
    assert failures == []
    assert tops == ["both"] * 120
    assert store.count(tenant_id=A, source_id="src-2") == 106


@pytest.mark.parametrize("stale_near", [3, 80])
def test_a_bot_with_many_sources_gets_exactly_the_live_ranking(stale_near: int) -> None:
    """Past 32 live tags the edge store filters a dense query's hits, not its points (adapters/qdrant_edge.py):
    old versions closest to the query must still never show, and the live hits come in the exact order.
    With 80 stale points closest, the widened ranking holds too few live ones: the whole filter is asked."""
    rng = random.Random(7)
    live_tags = [f"src-{i}:2" for i in range(40)]
    points: list[VectorPoint] = []
    for i in range(40):
        for k in range(3):
            points.append(point(A, "bot-1", f"src-{i}", 2, f"live-{i}-{k}", unit(far_from_e0(rng)), "meadow"))
    for k in range(stale_near):  # version 1 of a source, closer to e0 than anything live
        near = unit([1.0] + [rng.uniform(-0.05, 0.05) for _ in range(DIM - 1)])
        points.append(point(A, "bot-1", f"src-{k % 40}", 1, f"stale-{k}", near, "meadow"))
    for k in range(5):  # another bot of the tenant, as close
        points.append(point(A, "bot-2", "src-0", 2, f"other-{k}", axis(0), "meadow"))
    with scratch() as folder:
        store = QdrantEdgeVectorStore(folder / "edge")
        store.upsert(model=MODEL, points=points)
        query = VectorQuery(model=MODEL, tenant_id=A, bot_id="bot-1", live_tags=live_tags, dense=axis(0),
                            sparse=query_vector(QUERY_TEXT), limit=10, mode="dense")  # fmt: skip
        hits = store.search(query)
        close_shards(folder / "edge")
    expected = sorted((p for p in points if p.payload["live"] in live_tags and p.payload["bot_id"] == "bot-1"),
                      key=lambda p: -p.dense[0] / math.sqrt(sum(v * v for v in p.dense)))[:10]  # fmt: skip
    assert [h.id for h in hits] == [p.id for p in expected]
    assert all(h.payload["live"] in live_tags for h in hits)


@pytest.mark.parametrize("stale_near", [3, 80])
def test_a_sparse_query_of_a_bot_with_many_sources_ranks_as_the_whole_filter_does(stale_near: int) -> None:
    """The same hit filtering for sparse queries: stale versions that match the words best never show, and
    the live hits come as the engine ranks them under the whole filter (the path taken below 33 tags).
    Every live point has its own count of the word, so the ranking has no ties."""
    live_tags = [f"src-{i}:2" for i in range(40)]
    points = [
        point(A, "bot-1", f"src-{i}", 2, f"live-{i}-{k}", axis(k % DIM), " ".join(["zebra"] * (1 + 3 * i + k)) + " meadow")
        for i in range(40)
        for k in range(3)
    ]  # fmt: skip
    points += [
        point(A, "bot-1", f"src-{k % 40}", 1, f"stale-{k}", axis(0), "zebra " * 12) for k in range(stale_near)
    ]
    points += [point(A, "bot-2", "src-0", 2, f"other-{k}", axis(0), "zebra " * 200) for k in range(5)]
    query = VectorQuery(model=MODEL, tenant_id=A, bot_id="bot-1", live_tags=live_tags, dense=axis(0),
                        sparse=query_vector("zebra"), limit=10, mode="sparse")  # fmt: skip
    with scratch() as folder:
        store = QdrantEdgeVectorStore(folder / "edge")
        store.upsert(model=MODEL, points=points)
        filtered_after = store.search(query)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("minirag.adapters.qdrant_edge._POST_FILTER_TAGS", 10**9)
            whole_filter = store.search(query)
        close_shards(folder / "edge")
    assert len(filtered_after) == 10 and all(h.payload["live"] in live_tags for h in filtered_after)
    assert [(h.id, round(h.score, 5)) for h in filtered_after] == [
        (h.id, round(h.score, 5)) for h in whole_filter
    ]
