"""The vector store's own filter: another tenant's chunks never come back, whatever else the query names."""

from fastapi.testclient import TestClient

from minirag.bootstrap import Services
from minirag.domain.lexical import query_vector
from minirag.domain.vectors import VectorQuery
from tests.support.api import signup
from tests.support.knowledge import HANDBOOK, add_text, ingest, make_bot
from tests.support.worker import IngestWorker


def test_crafted_queries_cannot_cross_tenants(
    client: TestClient, worker: IngestWorker, services: Services
) -> None:
    victim = signup(client)
    bot_id = make_bot(client, victim)
    source_id = add_text(client, victim, bot_id, HANDBOOK)
    ingest(client, worker, victim, source_id)
    principal = services.auth.authenticate(victim.token)
    tag = services.sources.get(principal, source_id).live_tag
    dense = services.embedders.offline().embed(["holiday days"])[0]
    attacker = signup(client)

    def search(tenant_id: str, mode: str) -> list[object]:
        query = VectorQuery(
            model="offline/all-minilm-l6-v2",
            tenant_id=tenant_id,
            bot_id=bot_id,
            live_tags=[tag],
            dense=dense,
            sparse=query_vector("holiday days"),
            limit=10,
            mode=mode,
            source_ids=[source_id],
        )
        return list(services.vectors.search(query))

    for mode in ("hybrid", "dense", "sparse"):
        assert search(victim.id, mode), f"the owner finds its chunks ({mode})"
        assert search(attacker.id, mode) == [], (
            f"another tenant naming the victim's bot, tag and source ({mode})"
        )
    assert services.vectors.count(tenant_id=attacker.id) == 0
