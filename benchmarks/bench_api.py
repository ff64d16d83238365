"""API throughput and DynamoDB calls per request.

Run: PYTHONPATH=layers/shared:. .venv/bin/python benchmarks/bench_api.py [--clients 16] [--requests 40]
1. Calls per route: every route of the OpenAPI spec is called once through the app (ids and bodies from
   tests/integration/test_access_matrix.py), warm (each read route is called once before it is counted),
   and every botocore call is counted by a `before-parameter-build` event handler registered on each botocore client
   as it is created (botocore.session.Session.create_client is wrapped in this process only; PynamoDB and
   boto3 both create their clients through it). Reads are counted with an API token and with a login JWT.
2. Throughput: GET /v1/bot-profiles and GET /v1/sources served by uvicorn over loopback HTTP, `--clients`
   threads with their own keep-alive connection, `--requests` each, after a warm-up.
DynamoDB is DynamoDB Local in its own process, as under `make run` (benchmarks/stack.py), so latencies include
an emulator on the same two cores; the call counts do not depend on it.
"""

import argparse
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import botocore.session
import httpx
from fastapi.testclient import TestClient

from benchmarks.results import command_line, load, machine, write_section
from benchmarks.stack import Stack, cpu_seconds, local_stack
from minirag.adapters.dynamodb.wire import observing
from minirag.api.app import create_app
from tests.integration.test_access_matrix import PUBLIC, call, ids_of_tenant, spec_routes
from tests.support.api import PASSWORD, TenantCtx, bearer, login, signup, unique
from tests.support.server import serve

READ_GOAL, CHAT_GOAL = 3, 8
CHAT_ROUTES = {("POST", "/v1/chat"), ("POST", "/v1/openai/{bot_id}/chat/completions")}
NOTES = "We get 27 days of annual leave. Expenses are approved by your manager. The office opens at 8."


@dataclass
class Call:
    service: str
    operation: str
    detail: str


@dataclass
class Recorder:
    """Every AWS call made in this process, in order (requests are counted one at a time)."""

    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self) -> None:
        original = botocore.session.Session.create_client
        recorder = self

        def create_client(session: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
            client = original(session, service_name, *args, **kwargs)
            client.meta.events.register(
                "before-parameter-build",
                lambda params, model, **_: recorder.on_call(
                    model.service_model.service_name, model.name, params
                ),
            )
            return client

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
        observing(lambda name, params: recorder.on_call("dynamodb", name, params)).__enter__()  # not botocore

    def on_call(self, service: str, name: str, params: dict[str, Any]) -> None:
        with self.lock:
            detail = describe(name, params) if service == "dynamodb" else ""
            self.calls.append(Call(service, name, detail))

    def during(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, list[Call]]:
        start = len(self.calls)
        result = action(*args, **kwargs)
        return result, self.calls[start:]


def _kind(value: str) -> str:
    return value.split("#", 1)[0] + ("#" if "#" in value else "")


def _key(item: dict[str, Any]) -> str:
    values = [item.get(k) for k in ("pk", "sk")]
    return "/".join(_kind(v["S"]) for v in values if isinstance(v, dict) and isinstance(v.get("S"), str))


def describe(operation: str, params: dict[str, Any]) -> str:
    """Which items a call names, as key prefixes (TENANT#/BOT#): enough to tell the calls apart."""
    if "Key" in params or "Item" in params:
        return _key(params.get("Key") or params.get("Item") or {})
    if operation == "Query":
        values = [v.get("S", "") for v in params.get("ExpressionAttributeValues", {}).values()]
        index = f"{params['IndexName']}:" if "IndexName" in params else ""
        return index + "/".join(_kind(v) for v in values if v)
    if operation.startswith("Transact"):
        parts = []
        for entry in params.get("TransactItems", []):
            (op, body), *_ = entry.items()
            parts.append(f"{op} {_key(body.get('Key') or body.get('Item') or {})}")
        return "; ".join(parts)
    return ""


def summary(calls: list[Call]) -> tuple[int, int, str]:
    dynamo = [c for c in calls if c.service == "dynamodb"]
    other = [c for c in calls if c.service != "dynamodb"]
    names = Counter(f"{c.operation}({c.detail})" if c.detail else c.operation for c in dynamo)
    listed = ", ".join(f"{n}x {name}" if n > 1 else name for name, n in names.items())
    extra = Counter(f"{c.service}.{c.operation}" for c in other)
    if extra:
        listed += "; plus " + ", ".join(f"{n}x {name}" if n > 1 else name for name, n in extra.items())
    return len(dynamo), len(other), listed


@dataclass
class Row:
    method: str
    path: str
    status: int
    calls: list[Call]
    jwt_calls: list[Call] | None = None

    @property
    def goal(self) -> int | None:
        if self.method == "POST" and (self.path.startswith("/v1/chat") or self.path.endswith("completions")):
            return CHAT_GOAL
        if self.method == "GET" and (self.method, self.path) not in PUBLIC:
            return READ_GOAL
        return None


def count_routes(client: TestClient, recorder: Recorder) -> list[Row]:
    tenant = signup(client)
    jwt = bearer(login(client, tenant.owner_email, PASSWORD, tenant.slug))
    ids = ids_of_tenant(client, tenant)
    routes = sorted(spec_routes(client), key=lambda r: (r[0] != "GET", r[0] == "DELETE", r))
    rows = []
    for n, (method, path) in enumerate(routes):
        if (method, path) in PUBLIC:
            rows.append(_public(client, recorder, method, path))
            continue
        if (method, path) in CHAT_ROUTES:
            continue  # counted by chat_rows, on a tenant without the webhooks ids_of_tenant leaves behind
        if method != "GET":
            ids = ids_of_tenant(client, tenant)  # writes and deletes get objects of their own
        headers = (
            bearer(login(client, tenant.owner_email, PASSWORD, tenant.slug))
            if path.endswith("logout")
            else tenant.headers
        )
        if method == "GET":
            call(client, method, path, ids, headers, n)  # warm: first-use costs are cold-start costs
        response, calls = recorder.during(call, client, method, path, ids, headers, n)
        row = Row(method, path, response.status_code, calls)
        if method == "GET":
            _, row.jwt_calls = recorder.during(call, client, method, path, ids, jwt, n)
        rows.append(row)
    return rows


def _public(client: TestClient, recorder: Recorder, method: str, path: str) -> Row:
    body: dict[str, Any] | None = None
    if path == "/v1/tenants":
        slug = unique("t")
        body = {
            "tenant_name": slug,
            "tenant_slug": slug,
            "owner_email": f"{slug}@example.com",
            "owner_password": PASSWORD,
        }
    elif path == "/v1/auth/login":
        other = signup(client)
        body = {"email": other.owner_email, "password": PASSWORD, "tenant_slug": other.slug}
    response, calls = recorder.during(client.request, method, path, json=body)
    return Row(method, path, response.status_code, calls)


def chat_rows(client: TestClient, recorder: Recorder, worker: Any) -> list[Row]:
    """A tenant of its own (no webhooks yet), one bot, one ingested text source: a plain chat turn."""
    tenant = signup(client)
    bot_id = client.post("/v1/bot-profiles", json={"name": "chat"}, headers=tenant.headers).json()["id"]
    source = {"bot_profile_id": bot_id, "name": "notes", "source_type": "text", "content": NOTES}
    client.post("/v1/sources?ingest=true", json=source, headers=tenant.headers)
    worker.drain()
    rows = []

    def turn(label: str, **extra: Any) -> str:
        body = {"bot_profile_id": bot_id, "message": "How many days of leave do we get?", **extra}
        response, calls = recorder.during(client.post, "/v1/chat", json=body, headers=tenant.headers)
        rows.append(Row("POST", f"/v1/chat ({label})", response.status_code, calls))
        return str(response.json()["chat_id"]) if not extra.get("stream") else ""

    turn("first turn, warm-up")
    rows.pop()
    chat_id = turn("first turn")
    turn("follow-up turn", chat_id=chat_id)
    turn("first turn, stream", stream=True)
    hook = {"url": "http://127.0.0.1:9/hook", "events": ["chat.message"]}
    client.post("/v1/webhooks", json=hook, headers=tenant.headers)
    openai = {"messages": [{"role": "user", "content": "How many days of leave do we get?"}]}
    response, calls = recorder.during(
        client.post, f"/v1/openai/{bot_id}/chat/completions", json=openai, headers=tenant.headers
    )
    rows.append(Row("POST", "/v1/openai/{bot_id}/chat/completions", response.status_code, calls))
    turn("first turn, 1 webhook on chat.message")
    return rows


def calls_table(rows: list[Row]) -> tuple[str, list[str]]:
    lines = [
        "| route | status | DynamoDB calls (API token) | (login JWT) | other AWS calls | goal | calls (API token) |",
        "|---|---|---|---|---|---|---|",
    ]
    violations = []
    for row in rows:
        dynamo, other, listed = summary(row.calls)
        jwt = str(summary(row.jwt_calls)[0]) if row.jwt_calls is not None else ""
        worst = max(dynamo, summary(row.jwt_calls)[0] if row.jwt_calls is not None else 0)
        goal = row.goal
        mark = "" if goal is None else ("ok" if worst <= goal else f"**over (<= {goal})**")
        lines.append(
            f"| `{row.method} {row.path}` | {row.status} | {dynamo} | {jwt} | {other} | {mark} | {listed} |"
        )
        if goal is not None and worst > goal:
            jwt_list = f" — with a JWT: {summary(row.jwt_calls)[2]}" if row.jwt_calls is not None else ""
            violations.append(
                f"- `{row.method} {row.path}`: {worst} calls (goal <= {goal}): {listed}{jwt_list}"
            )
    return "\n".join(lines), violations


def seed(client: TestClient, tenant: TenantCtx, bots: int, sources: int) -> None:
    bot_ids = [
        client.post("/v1/bot-profiles", json={"name": f"bot {i}"}, headers=tenant.headers).json()["id"]
        for i in range(bots)
    ]
    for i in range(sources):
        body = {
            "bot_profile_id": bot_ids[i % bots],
            "name": f"source {i}",
            "source_type": "text",
            "content": f"text {i}",
        }
        assert client.post("/v1/sources", json=body, headers=tenant.headers).status_code == 201


def throughput(
    url: str,
    headers: dict[str, str],
    path: str,
    clients: int,
    per_client: int,
    recorder: Recorder,
    engine_pid: int,
) -> dict[str, float]:
    def worker(_: int) -> list[float]:
        latencies = []
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            for _ in range(per_client):
                started = time.perf_counter()
                response = http.get(path)
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
        return latencies

    with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
        for _ in range(20):
            http.get(path)  # warm-up
    with ThreadPoolExecutor(clients) as pool:
        started, before = time.perf_counter(), len(recorder.calls)
        cpu_app, cpu_engine = time.process_time(), cpu_seconds(engine_pid)
        latencies = [x for part in pool.map(worker, range(clients)) for x in part]
        elapsed = time.perf_counter() - started
        cpu_app, cpu_engine = time.process_time() - cpu_app, cpu_seconds(engine_pid) - cpu_engine
        dynamo = sum(1 for c in recorder.calls[before:] if c.service == "dynamodb")
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
        "dynamo_per_request": dynamo / len(latencies),
        "app_cpu_ms": cpu_app / len(latencies) * 1000,
        "engine_cpu_ms": cpu_engine / len(latencies) * 1000,
    }


def throughput_table(stack: Stack, recorder: Recorder, args: argparse.Namespace) -> str:
    stack_client, services = stack.client, stack.services
    tenant = signup(stack_client)
    seed(stack_client, tenant, args.bots, args.sources)
    lines = [
        f"{args.clients} clients x {args.requests} requests per route; tenant with {args.bots} bots and "
        f"{args.sources} sources; load average before: {load()}",
        "",
        "| route | requests | requests/s | p50 ms | p95 ms | DynamoDB calls per request "
        "| CPU ms per request: app process (with the client threads) | CPU ms per request: DynamoDB Local |",
        "|---|---|---|---|---|---|---|---|",
    ]
    with serve(create_app(services)) as url:
        for path in ("/v1/bot-profiles", "/v1/sources"):
            r = throughput(
                url, tenant.headers, path, args.clients, args.requests, recorder, stack.engine_pid or 0
            )
            lines.append(
                f"| `GET {path}` | {r['requests']} | {r['rps']:.0f} | {r['p50']:.0f} | {r['p95']:.0f} | "
                f"{r['dynamo_per_request']:.1f} | {r['app_cpu_ms']:.1f} | {r['engine_cpu_ms']:.1f} |"
            )
            print(lines[-1], flush=True)
    lines.append(f"\nLoad average after: {load()}.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=40, help="per client and route")
    parser.add_argument("--bots", type=int, default=10)
    parser.add_argument("--sources", type=int, default=50)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    recorder = Recorder()
    recorder.install()
    header = f"Machine: {machine()}.\n\nCommand: `{command_line()}`"
    print(header, flush=True)
    # The per-token rate limit stays on (it is one DynamoDB call per request) but high enough not to bite.
    with local_stack(api_token_requests_per_minute=10**9) as stack:
        rows = count_routes(stack.client, recorder) + chat_rows(stack.client, recorder, stack.worker)
        calls, violations = calls_table(rows)
        print(calls, flush=True)
        speed = throughput_table(stack, recorder, args)
    found = "\n".join(violations) if violations else "None."
    body = (
        "## API: throughput and DynamoDB calls per request (`benchmarks/bench_api.py`)\n\n"
        f"{header}\n\n### Throughput (uvicorn, loopback HTTP, API token)\n\n{speed}\n\n"
        f"### DynamoDB calls per request (goal: authenticated reads <= {READ_GOAL}, a chat turn <= {CHAT_GOAL})"
        f"\n\n{calls}\n\n### Violations\n\n{found}\n"
    )
    print("\n" + found)
    if not args.no_write:
        write_section("bench-api", body)


if __name__ == "__main__":
    main()
