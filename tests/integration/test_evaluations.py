"""Evaluation runs: labelled questions scored off the request path, through the ingest queue."""

from fastapi.testclient import TestClient

from tests.support.api import add_user, bearer, signup
from tests.support.knowledge import add_text, ingest, make_bot
from tests.support.worker import IngestWorker

DOCS = {
    "Holidays": "Every employee gets 27 days of paid holiday a year. Unused days carry over until March 31.",
    "Expenses": "Submit expense receipts within 30 days. Meals are reimbursed up to 40 euros a day.",
    "Security": "Laptops use full-disk encryption. Report a lost device to the security desk within one hour.",
}


def test_a_run_scores_retrieval_with_recall_mrr_and_ndcg(client: TestClient, worker: IngestWorker) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    ids = {name: add_text(client, tenant, bot_id, text, name=name) for name, text in DOCS.items()}
    for source_id in ids.values():
        ingest(client, worker, tenant, source_id)
    cases = [
        {
            "question": "How many days of paid holiday do employees get?",
            "expected_source_id": ids["Holidays"],
        },
        {"question": "When must expense receipts be submitted?", "expected_source_id": ids["Expenses"]},
        {"question": "What must I do if I lose my laptop?", "expected_answer": "within one hour"},
        {"question": "Who won the 1998 world cup?", "expected_answer": "France"},
    ]
    started = client.post(
        f"/v1/bot-profiles/{bot_id}/evaluations", json={"cases": cases}, headers=tenant.headers
    )
    assert started.status_code == 202 and started.json()["status"] == "pending"
    assert started.json()["case_count"] == 4
    worker.drain()
    (run,) = client.get(f"/v1/bot-profiles/{bot_id}/evaluations", headers=tenant.headers).json()["items"]
    assert run["status"] == "done" and run["finished_at"]
    metrics = run["metrics"]
    assert metrics["cases"] == 4 and metrics["recall@10"] == 0.75, "the unanswerable case is a miss"
    assert metrics["recall@1"] <= metrics["recall@5"] <= metrics["recall@10"]
    assert 0 < metrics["mrr@10"] <= 0.75 and 0 < metrics["ndcg@10"] <= 0.75
    ranks = [r["rank"] for r in run["results"]]
    assert ranks[3] is None and all(r is not None for r in ranks[:3])


def test_validation_and_roles(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    url = f"/v1/bot-profiles/{bot_id}/evaluations"
    assert client.post(url, json={"cases": []}, headers=tenant.headers).status_code == 422
    assert client.post(url, json={"cases": [{"question": "q"}]}, headers=tenant.headers).status_code == 422
    _, member = add_user(client, tenant, "member")
    body = {"cases": [{"question": "q", "expected_answer": "a"}]}
    assert client.post(url, json=body, headers=bearer(member)).status_code == 403
    assert client.get(url, headers=bearer(member)).status_code == 200
    assert (
        client.post("/v1/bot-profiles/nope/evaluations", json=body, headers=tenant.headers).status_code == 404
    )
