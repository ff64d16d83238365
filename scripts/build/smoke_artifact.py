"""Runs inside a built artifact, in a fresh interpreter that sees only the artifact (and its layers).

Started by scripts/build/verify.py as `python -S -P smoke_artifact.py SCENARIO` with PYTHONPATH set to the
artifact's code roots in Lambda's order (function, then layers): no virtualenv, no site-packages. It
imports the handler the way Lambda would, calls it on a real local AWS endpoint (moto, provisioned from
template.yaml by the parent), and prints one JSON line with what it saw. Uses only the standard library
and what the artifact ships.
"""

import base64
import copy
import importlib
import io
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

EVENTS = Path(os.environ["SMOKE_EVENTS_DIR"])
CONTEXT = type(
    "Context",
    (),
    {
        "function_name": "smoke",
        "memory_limit_in_mb": 1024,
        "invoked_function_arn": "arn:aws:lambda:us-east-1:123456789012:function:smoke",
        "aws_request_id": "smoke",
        "get_remaining_time_in_millis": staticmethod(lambda: 30_000),
    },
)()
PRICED_MODEL = "gpt-4o-mini"  # in LiteLLM's price table: the API must price it without importing litellm
PASSWORD = "a long smoke password"  # noqa: S105 (a throwaway tenant in a local emulator)


def _import(module: str) -> tuple[Any, float]:
    started = time.perf_counter()
    loaded = importlib.import_module(module)
    return loaded, time.perf_counter() - started


def _api_event(
    method: str, path: str, body: bytes | str | None = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(json.loads((EVENTS / "api_health.json").read_text()))
    all_headers = {**event["headers"], **(headers or {})}
    event.update(
        path=path,
        httpMethod=method,
        headers=all_headers,
        multiValueHeaders={k: [v] for k, v in all_headers.items()},
        pathParameters={"proxy": path.lstrip("/")},
    )
    event["requestContext"]["httpMethod"] = method
    if isinstance(body, bytes):
        event.update(body=base64.b64encode(body).decode(), isBase64Encoded=True)
    elif body is not None:
        event.update(body=body, isBase64Encoded=False)
    return event


def _docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Travel", level=1)
    document.add_paragraph("Trains are booked through the travel desk.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _signup_body() -> str:
    slug = f"smoke-{uuid.uuid4().hex[:10]}"
    return json.dumps(
        {
            "tenant_name": "Smoke",
            "tenant_slug": slug,
            "owner_email": f"{slug}@example.com",
            "owner_password": PASSWORD,
        }
    )


def scenario_api() -> dict[str, Any]:
    module, seconds = _import("handler")
    call = lambda *a, **k: module.handler(_api_event(*a, **k), CONTEXT)  # noqa: E731
    statuses: dict[str, int] = {}
    statuses["health"] = call("GET", "/health")["statusCode"]
    signup = call("POST", "/v1/tenants", _signup_body(), {"Content-Type": "application/json"})
    statuses["signup"] = signup["statusCode"]
    auth = {"Authorization": f"Bearer {json.loads(signup['body'])['api_token']}"}
    json_auth = {**auth, "Content-Type": "application/json"}
    bot = call("POST", "/v1/bot-profiles", json.dumps({"name": "Smoke bot"}), json_auth)
    statuses["create_bot"] = bot["statusCode"]
    bot_id = json.loads(bot["body"])["id"]
    source = {"bot_profile_id": bot_id, "name": "Notes", "source_type": "text", "content": "Smoke text."}
    created = call("POST", "/v1/sources", json.dumps(source), json_auth)
    statuses["create_source"] = created["statusCode"]
    deleted = call("DELETE", f"/v1/sources/{json.loads(created['body'])['id']}", None, auth)
    statuses["delete_source (deletes vectors)"] = deleted["statusCode"]
    body, content_type = _multipart({"bot_profile_id": bot_id}, "travel.docx", _docx_bytes())
    upload = call("POST", "/v1/sources/upload", body, {**auth, "Content-Type": content_type})
    statuses["upload_docx (parses)"] = upload["statusCode"]
    priced = call(
        "POST", "/v1/bot-profiles", json.dumps({"name": "Priced", "model": PRICED_MODEL}), json_auth
    )
    statuses["create_priced_bot"] = priced["statusCode"]
    pricing = call("GET", "/v1/stats/pricing", None, auth)
    statuses["stats_pricing"] = pricing["statusCode"]
    prices = (
        json.loads(pricing["body"]).get("models", {}).get(PRICED_MODEL, {})
        if pricing["statusCode"] == 200
        else {}
    )
    statuses["priced_model_has_a_price"] = bool(prices.get("prompt_cost_per_1m"))
    return {"import_seconds": seconds, "statuses": statuses}


def scenario_webhook() -> dict[str, Any]:
    module, seconds = _import("handler")
    result = module.handler(json.loads((EVENTS / "sqs_webhook.json").read_text()), CONTEXT)
    return {"import_seconds": seconds, "result": result}


def scenario_refresh() -> dict[str, Any]:
    module, seconds = _import("handler")
    result = module.handler(json.loads((EVENTS / "scheduler_refresh.json").read_text()), CONTEXT)
    return {"import_seconds": seconds, "result": result}


def _sqs_event(message: dict[str, Any]) -> dict[str, Any]:
    event = json.loads((EVENTS / "sqs_ingest.json").read_text())
    record = event["Records"][0]
    record.update(
        body=message["Body"], receiptHandle=message["ReceiptHandle"], messageId=message["MessageId"]
    )
    event["Records"] = [record]
    return event


def _drain_ingest(handle: Any) -> int:
    """Feeds what waits in the ingest queue to `handle`, as the event source mapping would."""
    import boto3

    sqs = boto3.client("sqs")
    queue = os.environ["MINIRAG_INGEST_QUEUE_URL"]
    handled = 0
    for _ in range(20):
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=5, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not messages:
            break
        for message in messages:
            handle(message)
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            handled += 1
    return handled


def _provider_calls() -> dict[str, Any]:
    """LiteLLM's OpenAI provider against the parent's fake OpenAI server: chat stream and embeddings."""
    import litellm

    base, key = os.environ["SMOKE_OPENAI_BASE"], "sk-smoke"
    stream = litellm.completion(
        model="openai/fake-model",
        messages=[{"role": "user", "content": "hi"}],
        api_base=base,
        api_key=key,
        stream=True,
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    embedded = litellm.embedding(model="openai/fake-embed", input=["hi"], api_base=base, api_key=key)
    return {"provider_chat": text, "provider_embedding_dim": len(embedded.data[0]["embedding"])}


def scenario_chat() -> dict[str, Any]:
    asgi, seconds = _import("asgi")
    from starlette.testclient import TestClient

    client = TestClient(asgi.app)
    statuses: dict[str, Any] = {"health": client.get("/health").status_code}
    signup = client.post("/v1/tenants", content=_signup_body(), headers={"Content-Type": "application/json"})
    auth = {"Authorization": f"Bearer {signup.json()['api_token']}"}
    bot_id = client.post("/v1/bot-profiles", json={"name": "Smoke bot"}, headers=auth).json()["id"]
    text = "## Holidays\nEvery employee gets 27 days of paid holiday a year."
    source = {"bot_profile_id": bot_id, "name": "Handbook", "source_type": "text", "content": text}
    created = client.post("/v1/sources?ingest=true", json=source, headers=auth).json()
    services = asgi.app.state.services
    started = time.perf_counter()
    _drain_ingest(lambda m: services.ingestion.handle(json.loads(m["Body"])))
    statuses["ingest_seconds"] = round(time.perf_counter() - started, 2)
    statuses["source_status"] = client.get(f"/v1/sources/{created['id']}", headers=auth).json()["status"]
    question = {"bot_profile_id": bot_id, "message": "How many days of holiday do I get?"}
    started = time.perf_counter()
    answer = client.post("/v1/chat", json=question, headers=auth)
    statuses["first_chat_seconds"] = round(time.perf_counter() - started, 2)
    statuses["chat"] = answer.status_code
    reply = answer.json()
    statuses["chat_cites"] = "27 days" in reply.get("message", {}).get("content", "")
    if answer.status_code != 200:
        statuses["chat_error"] = reply
    with client.stream("POST", "/v1/chat", json={**question, "stream": True}, headers=auth) as response:
        raw = "".join(response.iter_text())
    names = [line[len("event: ") :] for line in raw.splitlines() if line.startswith("event: ")]
    statuses["stream_events"] = sorted(set(names))
    statuses.update(_agents(client, auth, bot_id, question["message"]))
    return {"import_seconds": seconds, "statuses": statuses, **_provider_calls()}


def _agents(client: Any, auth: dict[str, str], bot_id: str, query: str) -> dict[str, Any]:
    """Retrieve and one MCP tool call: the routes API Gateway sends to this function (docs/agents.md)."""
    found = client.post(f"/v1/bot-profiles/{bot_id}/retrieve", json={"query": query}, headers=auth)
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}
    call["params"] = {"name": "search_knowledge", "arguments": {"query": query}}
    mcp_headers = {
        **auth,
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-11-25",
    }
    searched = client.post(f"/v1/mcp/{bot_id}", json=call, headers=mcp_headers)
    result = searched.json().get("result", {}) if searched.status_code == 200 else {}
    return {
        "retrieve": found.status_code,
        "retrieve_finds": "27 days" in json.dumps(found.json().get("passages", [])),
        "mcp_search": searched.status_code,
        "mcp_finds": "27 days" in json.dumps(result.get("content", [])),
    }


def scenario_ingest() -> dict[str, Any]:
    module, seconds = _import("functions.ingest.handler")
    results: list[Any] = []
    _drain_ingest(lambda m: results.append(module.handler(_sqs_event(m), CONTEXT)))
    from minirag.adapters.parsers import parse_document

    parsed = parse_document(_docx_bytes(), filename="t.docx", content_type=None, title="t")
    return {
        "import_seconds": seconds,
        "results": results,
        "docx_sections": len(parsed.sections),
        **_provider_calls(),
    }


def main() -> None:
    scenario = sys.argv[1]
    forbidden = [m for m in sys.argv[2:] if m]
    outcome = globals()[f"scenario_{scenario}"]()
    outcome["imported_forbidden"] = sorted(m for m in forbidden if m in sys.modules)
    outcome["site_packages_on_path"] = [p for p in sys.path if "site-packages" in p]
    print("SMOKE " + json.dumps(outcome, default=str))


if __name__ == "__main__":
    main()
