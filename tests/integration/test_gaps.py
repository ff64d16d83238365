"""Grounding, gaps and curated answers: the questions a bot answers badly are grouped, an operator answers
one, and the next similar question gets that answer (issue #19)."""

import json
from typing import Any

from fastapi.testclient import TestClient

from minirag.api.app import create_app
from minirag.bootstrap import Services, build_services
from tests.integration.test_read_calls import Get, counted_get
from tests.support.api import TenantCtx, add_user, bearer, signup
from tests.support.clock import FakeClock
from tests.support.knowledge import HANDBOOK, add_text, ingest, make_bot
from tests.support.receiver import receiver
from tests.support.sse import parse_sse
from tests.support.worker import IngestWorker, WebhookWorker

PARKING = "Is parking free at the office?"
PARKING_AGAIN = "Where can I park my car at the office?"
PETS = "Can I bring my dog to work?"
HOLIDAY = "How many days of holiday do I get?"
__all__ = ["counted_get"]  # the fixture, imported for the read-budget test
CURATED = "Parking in the office garage is free for employees; ask reception for a badge."


def handbook_bot(client: TestClient, worker: IngestWorker, tenant: TenantCtx, **fields: Any) -> str:
    bot_id = make_bot(client, tenant, **fields)
    assert ingest(client, worker, tenant, add_text(client, tenant, bot_id, HANDBOOK, name="Handbook"))
    return bot_id


def ask(client: TestClient, tenant: TenantCtx, bot_id: str, text: str) -> dict[str, Any]:
    response = client.post(
        "/v1/chat", json={"bot_profile_id": bot_id, "message": text}, headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def gaps(client: TestClient, tenant: TenantCtx, bot_id: str, query: str = "") -> dict[str, Any]:
    response = client.get(f"/v1/bot-profiles/{bot_id}/gaps{query}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_each_answer_records_how_well_it_was_grounded(client: TestClient, worker: IngestWorker) -> None:
    tenant = signup(client)
    bot_id = handbook_bot(client, worker, tenant)
    good = ask(client, tenant, bot_id, HOLIDAY)["message"]
    assert good["cited"] is True and good["not_found"] is False and good["top_score"] > 0
    assert good["gap_id"] is None and good["curated_answer_id"] is None
    bad = ask(client, tenant, bot_id, PARKING)
    stored = client.get(f"/v1/chat/{bad['chat_id']}/messages", headers=tenant.headers).json()
    question, answer = stored
    assert question["not_found"] is None and question["top_score"] is None, "questions carry no grounding"
    assert answer["not_found"] is True and answer["cited"] is False and answer["top_score"] is not None
    assert answer["gap_id"] is not None


def test_paraphrases_of_an_unanswered_question_form_one_gap(client: TestClient, worker: IngestWorker) -> None:
    tenant = signup(client)
    bot_id = handbook_bot(client, worker, tenant)
    for text in (PARKING, HOLIDAY, PETS, PARKING_AGAIN):
        ask(client, tenant, bot_id, text)
    found = gaps(client, tenant, bot_id)
    groups = found["groups"]
    assert [g["count"] for g in groups] == [2, 1], groups
    parking, pets = groups
    assert parking["question"] == PARKING and parking["latest_question"] == PARKING_AGAIN
    assert parking["reasons"]["not_found"] == 2 and parking["latest_answer"].startswith("I could not find")
    assert parking["latest_sources"] and parking["latest_sources"][0]["source_name"] == "Handbook"
    assert pets["question"] == PETS
    assert all(HOLIDAY not in (g["question"], g["latest_question"]) for g in groups), "answered: no gap"
    (day,) = found["days"]
    assert day["answers"] == 4 and day["not_found"] == 3 and day["not_found_share"] == 0.75

    yesterday = gaps(client, tenant, bot_id, "?from=2020-01-01&to=2020-01-31")
    assert yesterday["groups"] == [] and yesterday["days"] == []


def test_negative_feedback_makes_an_answered_turn_a_gap(client: TestClient, worker: IngestWorker) -> None:
    tenant = signup(client)
    bot_id = handbook_bot(client, worker, tenant)
    answer = ask(client, tenant, bot_id, HOLIDAY)
    assert gaps(client, tenant, bot_id)["groups"] == []
    path = f"/v1/chat/{answer['chat_id']}/messages/{answer['message']['id']}/feedback"
    assert client.patch(path, json={"feedback": "negative"}, headers=tenant.headers).status_code == 200
    worker.drain()  # grouping embeds the question: the worker does it, not the API function
    (group,) = gaps(client, tenant, bot_id)["groups"]
    assert group["question"] == HOLIDAY and group["reasons"] == {"negative_feedback": 1}


def test_a_curated_answer_written_from_a_gap_answers_the_next_similar_question(
    client: TestClient, worker: IngestWorker
) -> None:
    tenant = signup(client)
    bot_id = handbook_bot(client, worker, tenant)
    ask(client, tenant, bot_id, PARKING)
    ask(client, tenant, bot_id, PARKING_AGAIN)
    (gap,) = gaps(client, tenant, bot_id)["groups"]

    body = {"question": gap["question"], "answer": CURATED, "variants": [PARKING_AGAIN], "gap_id": gap["id"]}
    made = client.post(f"/v1/bot-profiles/{bot_id}/curated-answers", json=body, headers=tenant.headers)
    assert made.status_code == 201, made.text
    curated = made.json()
    assert curated["variants"] == [PARKING_AGAIN] and curated["gap_id"] == gap["id"]
    assert gaps(client, tenant, bot_id)["groups"][0]["curated_answer_id"] == curated["id"]

    stream = {"bot_profile_id": bot_id, "message": "Is parking at the office free of charge?", "stream": True}
    with client.stream("POST", "/v1/chat", json=stream, headers=tenant.headers) as response:
        events = [e for e in parse_sse("".join(response.iter_text())) if e[0] != ":comment"]
    names = [name for name, _ in events]
    assert names[0] == "sources" and names[-1] == "done" and names.count("delta") > 3
    assert "".join(data["content"] for name, data in events if name == "delta") == CURATED
    (cited,) = events[0][1]["sources"]
    assert cited["curated"] is True and cited["source_id"] == curated["id"]
    assert cited["source_name"] == "Curated answer"
    assert events[-1][1]["usage"]["model"] == "minirag/curated" and events[-1][1]["usage"]["cost_usd"] == 0

    other = ask(client, tenant, bot_id, HOLIDAY)
    assert "27 days" in other["message"]["content"] and other["message"]["curated_answer_id"] is None
    assert CURATED not in other["message"]["content"], "dissimilar: the model answers from the sources"

    usage = client.get("/v1/stats/usage/by-model", headers=tenant.headers).json()
    by_model = {row["model"]: row for row in usage}
    assert by_model["minirag/curated"]["request_count"] == 1 and by_model["minirag/curated"]["cost_usd"] == 0
    (day,) = gaps(client, tenant, bot_id)["days"]
    assert day["curated"] == 1 and day["answers"] == 4 and day["gaps"] == 2


def test_curated_answers_are_knowledge_for_near_misses(client: TestClient, worker: IngestWorker) -> None:
    tenant = signup(client)
    bot_id = handbook_bot(client, worker, tenant, curated_threshold=0.99)
    body = {"question": PARKING, "answer": CURATED}
    assert client.post(f"/v1/bot-profiles/{bot_id}/curated-answers", json=body, headers=tenant.headers)
    answer = ask(client, tenant, bot_id, "Do employees get free parking in the garage?")
    assert answer["message"]["curated_answer_id"] is None, "under the bot's threshold: the model answers"
    assert any(s.get("curated") for s in answer["sources"]) and "reception" in answer["message"]["content"]


def test_curated_answer_routes_isolation_roles_and_input(client: TestClient, worker: IngestWorker) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    base = f"/v1/bot-profiles/{bot_id}/curated-answers"
    made = client.post(base, json={"question": PARKING, "answer": CURATED}, headers=tenant.headers).json()
    one = f"{base}/{made['id']}"

    stranger = signup(client)
    for method, path, body in (
        ("GET", base, None),
        ("POST", base, {"question": "Q?", "answer": "A."}),
        ("GET", one, None),
        ("PATCH", one, {"answer": "Mine now."}),
        ("DELETE", one, None),
        ("GET", f"/v1/bot-profiles/{bot_id}/gaps", None),
    ):
        response = client.request(method, path, json=body, headers=stranger.headers)
        assert response.status_code == 404, (method, path, response.text)
    theirs = make_bot(client, stranger)
    assert "reception" not in ask(client, stranger, theirs, PARKING)["message"]["content"]

    _, member_jwt = add_user(client, tenant, "member")
    member = bearer(member_jwt)
    assert client.get(base, headers=member).json()["items"][0]["id"] == made["id"]
    assert client.get(f"/v1/bot-profiles/{bot_id}/gaps", headers=member).status_code == 200
    for method, path in (("POST", base), ("PATCH", one), ("DELETE", one)):
        response = client.request(method, path, json={"question": "Q?", "answer": "A."}, headers=member)
        assert response.status_code == 403, (method, response.text)

    for bad in (
        {"question": "", "answer": "A."},
        {"question": "Q?"},
        {"question": "Q?", "answer": "A.", "variants": ["v"] * 21},
        {"question": "Q?", "answer": "A.", "gap_id": "not-a-gap-of-this-bot"},
    ):
        response = client.post(base, json=bad, headers=tenant.headers)
        assert response.status_code == 422 and "detail" in response.json(), (bad, response.text)
    assert len(client.get(base, headers=tenant.headers).json()["items"]) == 1, "nothing half-written"
    for query in ("?from=2026-02-01&to=2026-01-01", "?from=yesterday", "?from=2020-01-01&to=2026-01-01"):
        response = client.get(f"/v1/bot-profiles/{bot_id}/gaps{query}", headers=tenant.headers)
        assert response.status_code == 422, (query, response.text)

    changed = client.patch(one, json={"variants": [PARKING_AGAIN]}, headers=tenant.headers).json()
    assert changed["variants"] == [PARKING_AGAIN] and changed["answer"] == CURATED
    assert client.delete(one, headers=tenant.headers).status_code == 204
    assert client.get(one, headers=tenant.headers).status_code == 404
    assert "reception" not in ask(client, tenant, bot_id, PARKING)["message"]["content"], "deleted: unused"


def test_reading_gaps_costs_three_storage_calls(
    client: TestClient, worker: IngestWorker, counted_get: Get
) -> None:
    tenant = signup(client)
    bot_id = handbook_bot(client, worker, tenant)
    for text in (PARKING, PETS, PARKING_AGAIN, HOLIDAY):
        ask(client, tenant, bot_id, text)
    response, calls = counted_get(f"/v1/bot-profiles/{bot_id}/gaps", tenant.headers)
    assert len(response.json()["groups"]) == 2
    reads = [c for c in calls if c != "GetItem(TOKENHASH/TOKEN)"]  # authentication, as on every route
    assert reads == ["GetItem(TENANT/BOT)", "Query(TENANT#GAPS/DAY/DAY)", "Query(TENANT#GAPS/GROUP)"], calls


def test_a_gap_reaching_the_alert_count_sends_chat_gap(
    client: TestClient, worker: IngestWorker, webhook_worker: WebhookWorker
) -> None:
    tenant = signup(client)
    bot_id = handbook_bot(client, worker, tenant)
    with receiver() as site:
        hook = {"url": site.url, "events": ["chat.gap"]}
        assert client.post("/v1/webhooks", json=hook, headers=tenant.headers).status_code == 201
        for text in (PARKING, PARKING_AGAIN, PETS, "Is parking at the office free?"):
            ask(client, tenant, bot_id, text)
        webhook_worker.drain()
        events = [json.loads(r.body) for r in site.received]
    (event,) = events
    assert event["type"] == "chat.gap" and event["data"]["count"] == 3
    assert event["data"]["question"] == PARKING and event["data"]["bot_profile_id"] == bot_id


def test_a_bot_with_curated_answers_embeds_each_question_once(
    client: TestClient, worker: IngestWorker, services: Services, clock: FakeClock
) -> None:
    """The comparison with the curated answers makes the question's embedding; retrieval and the gap
    grouping reuse it, so a turn costs one embedding call, as it did before curated answers existed."""
    tenant = signup(client)
    bot_id = handbook_bot(client, worker, tenant)
    body = {"question": "What is the dress code?", "answer": "Smart casual."}
    assert client.post(f"/v1/bot-profiles/{bot_id}/curated-answers", json=body, headers=tenant.headers)
    embedded: list[str] = []

    class Counting:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def embed(self, texts: list[str]) -> list[list[float]]:
            embedded.extend(texts)
            return self.inner.embed(texts)  # type: ignore[no-any-return]

        def count_tokens(self, text: str) -> int:
            return self.inner.count_tokens(text)  # type: ignore[no-any-return]

    counting = build_services(
        services.settings, clock=clock, embedder_for=lambda bot: Counting(services.embedders.for_bot(bot))
    )
    with TestClient(create_app(counting)) as app:
        for text in (PARKING, HOLIDAY):
            response = app.post(
                "/v1/chat", json={"bot_profile_id": bot_id, "message": text}, headers=tenant.headers
            )
            assert response.status_code == 200, response.text
    assert embedded.count(PARKING) == 1 and embedded.count(HOLIDAY) == 1, embedded


def test_curated_answers_are_indexed_again_with_their_bot(client: TestClient, worker: IngestWorker) -> None:
    """Deactivating a bot purges its vectors, reactivating reindexes it: its curated answers come back too."""
    tenant = signup(client)
    bot_id = handbook_bot(client, worker, tenant, curated_threshold=0.99)
    body = {"question": PARKING, "answer": CURATED}
    assert client.post(f"/v1/bot-profiles/{bot_id}/curated-answers", json=body, headers=tenant.headers)
    assert client.delete(f"/v1/bot-profiles/{bot_id}", headers=tenant.headers).status_code == 204
    worker.drain()
    back = client.patch(f"/v1/bot-profiles/{bot_id}", json={"is_active": True}, headers=tenant.headers)
    assert back.status_code == 200, back.text
    worker.drain()
    answer = ask(client, tenant, bot_id, "Do employees get free parking in the garage?")
    assert any(s.get("curated") for s in answer["sources"]), answer["sources"]
