"""What MiniRAG costs to run: USD per 1,000 chats, per 1,000 ingested pages, per idle tenant, and a month of
three workloads, from operations counted on real requests and the list prices in benchmarks/prices.json.

Run: make cost (PYTHONPATH=layers/shared:. .venv/bin/python -m benchmarks.cost [--chats 10] [--pages 20] [--write])
The app runs in process on `make run`'s engines (benchmarks/stack.py: DynamoDB Local, moto for SQS and S3).
Every botocore client the process creates gets two hooks (as benchmarks/bench_api.py counts calls): one asks
DynamoDB for ReturnConsumedCapacity=TOTAL and counts SQS and S3 requests as they are billed (an SQS request
per 64 KB of payload); one reads the capacity DynamoDB answers. Lambda: one invocation per API request and per
SQS batch the workers hand their handler, billed for the wall time measured here at the function's memory
(template.yaml), plus, with a provider model, the time the chat function waits for it (prices.json
assumptions). Provider tokens: the prompts the model received and its answer, counted with LiteLLM's
tokenizer for the model and priced from LiteLLM's cost map. --write puts the tables in RESULTS.md.
"""

import argparse
import json
import logging
import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.session

from minirag.adapters.dynamodb.wire import observing

PRICES = Path(__file__).with_name("prices.json")
MEMORY_GB = {"ApiFunction": 1.0, "ChatFunction": 2.0, "IngestFunction": 2.0, "WebhookFunction": 1.0}
CAPACITY_OPS = {
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem",
    "TransactWriteItems", "TransactGetItems",
}  # fmt: skip
S3_PUT_CLASS = {
    "PutObject",
    "CopyObject",
    "CreateMultipartUpload",
    "UploadPart",
    "ListObjectsV2",
    "ListObjects",
}
OFFLINE_DIMENSION = 384  # the offline embedder's (adapters/offline_embedder.py), the default
ANSWER = " ".join(["You get 27 days of paid annual leave a year, plus public holidays [1]."] * 10)

# Three workloads: tenants, chats a month, pages ingested a month (new and refreshed), pages stored.
WORKLOADS = {
    "hobby bot": {"tenants": 1, "chats": 1_000, "pages_in": 100, "pages_stored": 100, "provider": False, "stage": "dev"},
    "50-tenant SaaS": {"tenants": 50, "chats": 100_000, "pages_in": 25_000, "pages_stored": 50_000, "provider": True, "stage": "prod"},
    "10,000-tenant SaaS": {"tenants": 10_000, "chats": 10_000_000, "pages_in": 2_000_000, "pages_stored": 20_000_000, "provider": True, "stage": "prod"},
}  # fmt: skip


@dataclass
class Meter:
    """What a set of operations used; divided by how many operations it measured."""

    wru: float = 0.0
    rru: float = 0.0
    dynamo_calls: int = 0
    sqs: float = 0.0
    s3_put: int = 0
    s3_get: int = 0
    api_requests: int = 0
    invocations: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    prompt_tokens: float = 0.0
    completion_tokens: float = 0.0

    def gb_seconds(self) -> float:
        return sum(MEMORY_GB[f] * s for f, s in self.seconds.items())

    def per(self, n: int) -> "Meter":
        out = Meter(**{k: v / n for k, v in vars(self).items() if isinstance(v, int | float)})
        out.invocations = defaultdict(int, {k: v / n for k, v in self.invocations.items()})  # type: ignore[misc]
        out.seconds = defaultdict(float, {k: v / n for k, v in self.seconds.items()})
        return out


class Recorder:
    def __init__(self) -> None:
        self.meter = Meter()
        self.lock = threading.Lock()

    def install(self) -> None:
        original, recorder = botocore.session.Session.create_client, self

        def create_client(session: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
            client = original(session, service_name, *args, **kwargs)
            client.meta.events.register(
                "before-parameter-build",
                lambda params, model, **_: recorder.before(
                    model.service_model.service_name, model.name, params
                ),
            )
            client.meta.events.register(
                "after-call",
                lambda parsed, model, **_: recorder.after(
                    model.service_model.service_name, model.name, parsed
                ),
            )
            return client

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
        self._wire = observing(  # DynamoDB's calls do not go through botocore's clients
            lambda name, params: recorder.before("dynamodb", name, params),
            lambda name, parsed: recorder.after("dynamodb", name, parsed),
        )
        self._wire.__enter__()

    def before(self, service: str, name: str, params: dict[str, Any]) -> None:
        with self.lock:
            if service == "dynamodb":
                self.meter.dynamo_calls += 1
                if name in CAPACITY_OPS:
                    params.setdefault("ReturnConsumedCapacity", "TOTAL")
            elif service == "sqs" and name != "ReceiveMessage":  # receives: counted when they bring messages
                bodies = [params.get("MessageBody", "")] + [
                    e.get("MessageBody", "") for e in params.get("Entries", [])
                ]
                size = sum(len(b.encode()) for b in bodies if isinstance(b, str))
                self.meter.sqs += max(1, math.ceil(size / 65536))
            elif service == "s3":
                if name in S3_PUT_CLASS:
                    self.meter.s3_put += 1
                else:
                    self.meter.s3_get += 1

    def after(self, service: str, name: str, parsed: dict[str, Any]) -> None:
        """DynamoDB's consumed capacity, and SQS receives that brought messages (the empty ones of a
        Lambda event source mapping's long polling are an idle cost: docs/deploy.md)."""
        if service == "sqs" and name == "ReceiveMessage" and parsed.get("Messages"):
            with self.lock:
                self.meter.sqs += 1
        if service != "dynamodb":
            return
        consumed = parsed.get("ConsumedCapacity") or []
        for entry in consumed if isinstance(consumed, list) else [consumed]:
            units = float(entry.get("CapacityUnits") or 0)
            write = name in {
                "PutItem",
                "UpdateItem",
                "DeleteItem",
                "BatchWriteItem",
                "TransactWriteItems",
            }
            with self.lock:
                if write:
                    self.meter.wru += units
                else:
                    self.meter.rru += units

    @contextmanager
    def measure(self) -> Iterator[Meter]:
        """A fresh meter for the block; the process-wide one is restored after it."""
        outer, self.meter = self.meter, Meter()
        try:
            yield self.meter
        finally:
            self.meter = outer


def timed_handler(recorder: Recorder, worker: Any, function: str) -> None:
    """Counts the worker's handler calls as Lambda invocations, with their wall time."""
    inner = worker.poller.handler

    def handler(event: Any, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return inner(event, context)
        finally:
            recorder.meter.invocations[function] += 1
            recorder.meter.seconds[function] += time.perf_counter() - start

    worker.poller.handler = handler


def request(recorder: Recorder, client: Any, method: str, path: str, **kwargs: Any) -> Any:
    function = "ChatFunction" if method == "POST" and path == "/v1/chat" else "ApiFunction"
    start = time.perf_counter()
    response = client.request(method, path, **kwargs)
    recorder.meter.seconds[function] += time.perf_counter() - start
    recorder.meter.invocations[function] += 1
    recorder.meter.api_requests += 1
    assert response.status_code < 300, (path, response.status_code, response.text)
    return response


def pages(count: int, characters: int) -> list[str]:
    docs = json.loads(Path(__file__).with_name("data").joinpath("handbook.json").read_text())["docs"]
    out = []
    for n in range(count):
        text, k = "", n
        while len(text) < characters:
            doc = docs[k % len(docs)]
            text += f"## {doc['title']} ({n})\n\n{doc['text']}\n\n"
            k += 7
        out.append(text)
    return out


@dataclass
class Measured:
    offline_chat: Meter
    provider_chat: Meter
    page: Meter
    chunks_per_page: float
    chunk_characters: float
    dynamo_bytes_per_page: float
    dynamo_bytes_per_tenant: float
    sparse_terms_per_chunk: float
    dimension: int


def measure(chats: int, page_count: int, characters: int) -> Measured:
    recorder = Recorder()
    recorder.install()
    from benchmarks.stack import local_stack  # after the hooks: every client is created through them
    from minirag.domain.lexical import document_vector
    from tests.support.fake_openai import FakeOpenAI
    from tests.support.worker import WebhookWorker

    with local_stack() as stack, FakeOpenAI(reply=ANSWER) as fake:
        client, worker = stack.client, stack.worker
        hooks = WebhookWorker(stack.services, stack.endpoint)
        timed_handler(recorder, worker, "IngestFunction")
        timed_handler(recorder, hooks, "WebhookFunction")
        slug = f"cost-{int(time.time())}"
        body = {"tenant_name": slug, "tenant_slug": slug, "owner_email": f"{slug}@example.com",
                "owner_password": "benchmark password"}  # fmt: skip
        signed = client.post("/v1/tenants", json=body).json()
        headers = {"Authorization": f"Bearer {signed['api_token']}"}
        offline = client.post("/v1/bot-profiles", json={"name": "offline"}, headers=headers).json()["id"]
        credentials = {"api_key": "k", "api_base": fake.base_url}
        provider_body = {"name": "provider", "model": "openai/gpt-4o-mini", "credentials": credentials}
        provider = client.post("/v1/bot-profiles", json=provider_body, headers=headers).json()["id"]
        bots_bytes = table_bytes(stack)

        texts = pages(page_count, characters)
        with recorder.measure() as page:
            children = [
                {"name": f"Page {n}", "source_type": "text", "content": t} for n, t in enumerate(texts)
            ]
            batch = {"bot_profile_id": offline, "name": "Site", "source_type": "batch", "children": children}
            parent = request(
                recorder, client, "POST", "/v1/sources/batch", json=batch, headers=headers
            ).json()
            request(
                recorder,
                client,
                "POST",
                f"/v1/sources/{parent['parent']['id']}/ingest-children",
                headers=headers,
            )
            worker.drain()
            hooks.drain()
        stored = client.get(f"/v1/sources/{parent['parent']['id']}/children", headers=headers).json()
        chunks = sum(c["chunk_count"] for c in stored)
        pages_bytes = table_bytes(stack) - bots_bytes
        # the provider bot answers from the same pages: ingested again for it, not counted
        for text in texts[:5]:
            source = {"bot_profile_id": provider, "name": "p", "source_type": "text", "content": text}
            client.post("/v1/sources?ingest=true", json=source, headers=headers)
        worker.drain()
        hooks.drain()

        meters = {}
        for name, bot in (("offline", offline), ("provider", provider)):
            ask = {"bot_profile_id": bot, "message": "How many days of annual leave do we get?"}
            client.post("/v1/chat", json=ask, headers=headers)  # warm
            hooks.drain()
            fake.requests.clear()
            with recorder.measure() as meter:
                for n in range(chats):
                    ask["message"] = f"How many days of annual leave do we get, and who approves it? ({n})"
                    response = request(recorder, client, "POST", "/v1/chat", json=ask, headers=headers)
                hooks.drain()
            if name == "provider":
                count_provider_tokens(meter, fake, response.json())
            meters[name] = meter

    size = max(1, len("".join(texts)) // max(chunks, 1))
    pieces = [text[i : i + size] for text in texts for i in range(0, len(text), size)][:50]
    return Measured(
        offline_chat=meters["offline"].per(chats),
        provider_chat=meters["provider"].per(chats),
        page=page.per(page_count),
        chunks_per_page=chunks / page_count,
        chunk_characters=sum(len(t) for t in texts) / max(chunks, 1),
        dynamo_bytes_per_page=pages_bytes / page_count,
        dynamo_bytes_per_tenant=bots_bytes,
        sparse_terms_per_chunk=sum(len(document_vector(w).indices) for w in pieces) / len(pieces),
        dimension=OFFLINE_DIMENSION,
    )


def count_provider_tokens(meter: Meter, fake: Any, last: dict[str, Any]) -> None:
    import litellm  # seconds to import: only here

    model = "gpt-4o-mini"
    chat_requests = [r for r in fake.requests if r.path.endswith("/chat/completions")]
    prompt = sum(litellm.token_counter(model=model, messages=r.json["messages"]) for r in chat_requests)
    meter.prompt_tokens = prompt
    meter.completion_tokens = litellm.token_counter(model=model, text=ANSWER) * len(chat_requests)


def table_bytes(stack: Any) -> int:
    """DynamoDB's item size: attribute names plus values, summed over the table (one tenant in it)."""
    import boto3

    settings = stack.services.settings
    client = boto3.client(
        "dynamodb", region_name=settings.aws_region, endpoint_url=settings.dynamodb_endpoint_url
    )
    total, start = 0, None
    while True:
        kwargs: dict[str, Any] = {"TableName": settings.table_name}
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = client.scan(**kwargs)
        total += sum(_size(item) for item in page["Items"])
        start = page.get("LastEvaluatedKey")
        if not start:
            return total


def _size(value: Any) -> int:
    if isinstance(value, dict) and len(value) == 1:
        (kind, inner), *_ = value.items()
        if kind in ("S", "B"):
            return len(inner.encode() if isinstance(inner, str) else inner)
        if kind == "N":
            return 1 + len(str(inner)) // 2
        if kind in ("M",):
            return 3 + sum(len(k) + _size(v) for k, v in inner.items())
        if kind == "L":
            return 3 + sum(_size(v) for v in inner)
        return 1 + len(json.dumps(inner))
    return sum(len(k) + _size(v) for k, v in value.items())


# --- pricing -----------------------------------------------------------------------------------------


def load_prices() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PRICES.read_text())
    return data


def usd(
    meter: Meter, p: dict[str, Any], provider: Callable[[Meter], float] | None = None
) -> dict[str, float]:
    price = {k: v["usd"] for k, v in p["prices"].items()}
    return {
        "DynamoDB": meter.wru * price["dynamodb_write_request_unit"]
        + meter.rru * price["dynamodb_read_request_unit"],
        "Lambda": sum(meter.invocations.values()) * price["lambda_request"]
        + meter.gb_seconds() * price["lambda_gb_second"],
        "API Gateway": meter.api_requests * price["api_gateway_rest_request"],
        "SQS": meter.sqs * price["sqs_request"],
        "S3": meter.s3_put * price["s3_put_request"] + meter.s3_get * price["s3_get_request"],
        "model": provider(meter) if provider else 0.0,
    }


def with_provider_wait(meter: Meter, p: dict[str, Any]) -> Meter:
    a = p["assumptions"]
    wait = (
        a["provider_seconds_to_first_token"]["value"]
        + meter.completion_tokens / a["provider_tokens_per_second"]["value"]
    )
    waited = meter.per(1)
    waited.seconds["ChatFunction"] += wait
    return waited


def model_cost(meter: Meter) -> float:
    from minirag.adapters.model_prices import price_per_million

    prompt, completion = price_per_million("gpt-4o-mini")
    return (meter.prompt_tokens * prompt + meter.completion_tokens * completion) / 1e6


# Measured by benchmarks/bench_qdrant_memory.py on the embedded engine (RESULTS.md, "Qdrant memory per chunk":
# float32 vectors in RAM, the difference between 30,000 and 5,000 points, 2026-12-02).
MEASURED_RAM_PER_CHUNK, MEASURED_DISK_PER_CHUNK = 5158, 6098


@dataclass
class Qdrant:
    ram_bytes_per_chunk: float
    disk_bytes_per_chunk: float
    layout_bytes_per_chunk: float = 0.0

    @classmethod
    def of(cls, m: Measured) -> "Qdrant":
        """RAM and disk per chunk as measured on the engine; beside them, what the vectors alone take (the
        dense float32 vector, HNSW links at m=16, the BM25 sparse vector at 8 bytes a term)."""
        layout = m.dimension * 4 + 32 * 4 * 1.1 + m.sparse_terms_per_chunk * 8
        return cls(MEASURED_RAM_PER_CHUNK, MEASURED_DISK_PER_CHUNK, layout)


def qdrant_month(chunks: float, q: Qdrant, p: dict[str, Any], stage: str) -> tuple[float, float, str]:
    """(self-run USD, Qdrant Cloud USD, the self-run machines) for a corpus of `chunks`."""
    price = {k: v["usd"] for k, v in p["prices"].items()}
    ram_gb = chunks * q.ram_bytes_per_chunk * 1.5 / 1e9  # +50%: segments being optimised, OS, requests
    disk_gb = max(8.0, chunks * q.disk_bytes_per_chunk * 2 / 1e9)
    hours = 730
    if ram_gb <= 1.5:
        machines, server = "1 t4g.small", price["ec2_t4g_small_hour"] * hours
    elif ram_gb <= 12:
        machines, server = "1 r7g.large", price["ec2_r7g_large_hour"] * hours
    else:
        n = math.ceil(ram_gb / 56)
        machines, server = f"{n} r7g.2xlarge", n * price["ec2_r7g_2xlarge_hour"] * hours
    server += disk_gb * price["ebs_gp3_gb_month"]
    free = ram_gb <= 1 and stage == "dev"  # the free cluster pauses when idle and has no SLA: not for prod
    cloud = 0.0 if free else max(ram_gb, 2) * price["qdrant_cloud_gb_ram_month"]
    return server, cloud, f"{machines}, {ram_gb:.1f} GB RAM, {disk_gb:.0f} GB disk"


def idle_tenant(m: Measured, q: Qdrant, p: dict[str, Any], pages_stored: int) -> dict[str, float]:
    price = {k: v["usd"] for k, v in p["prices"].items()}
    dynamo_gb = (m.dynamo_bytes_per_tenant + pages_stored * m.dynamo_bytes_per_page) / 1e9
    chunks = pages_stored * m.chunks_per_page
    return {
        "DynamoDB storage": dynamo_gb * price["dynamodb_storage_gb_month"],
        "DynamoDB backups (prod)": dynamo_gb * price["dynamodb_pitr_gb_month"],
        "Qdrant RAM share (Cloud price)": chunks
        * q.ram_bytes_per_chunk
        * 1.5
        / 1e9
        * price["qdrant_cloud_gb_ram_month"],
    }


def tables(m: Measured, p: dict[str, Any]) -> str:
    offline = m.offline_chat
    provider = with_provider_wait(m.provider_chat, p)
    rows = [
        ("chat, offline model", offline),
        ("chat, openai/gpt-4o-mini", provider),
        ("ingested page", m.page),
    ]
    out = [f"Prices: benchmarks/prices.json, as of {p['as_of']} ({p['region']}).", "",
           "### Measured per operation", "",
           "| operation | DynamoDB calls | write units | read units | SQS requests | S3 PUT/GET | Lambda invocations"
           " | Lambda GB-s | API Gateway requests | prompt tokens | completion tokens |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, r in rows:
        out.append(
            f"| {name} | {r.dynamo_calls:.1f} | {r.wru:.1f} | {r.rru:.1f} | {r.sqs:.2f} | {r.s3_put:.1f}/{r.s3_get:.1f} | "
            f"{sum(r.invocations.values()):.2f} | {r.gb_seconds():.3f} | {r.api_requests:.2f} | "
            f"{r.prompt_tokens:.0f} | {r.completion_tokens:.0f} |"
        )
    out.append(f"\nA page: {p['assumptions']['page_characters']['value']} characters, {m.chunks_per_page:.1f} chunks. "
               "The provider chat's GB-seconds include its wait for the model (prices.json assumptions).")  # fmt: skip
    services = ["DynamoDB", "Lambda", "API Gateway", "SQS", "S3", "model"]
    out += ["", "### USD per 1,000", "", "| per 1,000 | " + " | ".join(services) + " | total |",
            "|---|" + "---|" * (len(services) + 1)]  # fmt: skip
    for name, r, prov in (("chats, offline model", offline, None), ("chats, openai/gpt-4o-mini", provider, model_cost),
                          ("ingested pages (offline embedder)", m.page, None)):  # fmt: skip
        cost = usd(r, p, prov)
        out.append(f"| {name} | " + " | ".join(f"{1000 * cost[s]:.4f}" for s in services)
                   + f" | **{1000 * sum(cost.values()):.4f}** |")  # fmt: skip
    q = Qdrant.of(m)
    idle = idle_tenant(m, q, p, pages_stored=100)
    out += ["", "### Per tenant per month at idle (1 bot, 100 pages stored)", "",
            "| item | USD |", "|---|---|"] + [f"| {k} | {v:.5f} |" for k, v in idle.items()]  # fmt: skip
    out.append(f"| **total** | **{sum(idle.values()):.5f}** |")
    out.append(f"\nQdrant per chunk (benchmarks/bench_qdrant_memory.py): {q.ram_bytes_per_chunk:.0f} bytes of RAM,"
               f" {q.disk_bytes_per_chunk:.0f} on disk; the vectors alone ({m.dimension}-d float32, HNSW links,"
               f" {m.sparse_terms_per_chunk:.0f} BM25 terms) are {q.layout_bytes_per_chunk:.0f}.")  # fmt: skip
    out += ["", "### A month of three workloads (USD)", "",
            "| workload | tenants | chats | pages ingested | pages stored | requests (AWS) | model | storage |"
            " fixed | Qdrant self-run | Qdrant Cloud | total, self-run | total, Cloud | self-run Qdrant |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, w in WORKLOADS.items():
        chat = provider if w["provider"] else offline
        per_chat = usd(chat, p, model_cost if w["provider"] else None)
        per_page = usd(m.page, p)
        model = w["chats"] * per_chat.pop("model")
        aws = w["chats"] * sum(per_chat.values()) + w["pages_in"] * sum(per_page.values())
        stored = idle_tenant(m, q, p, pages_stored=w["pages_stored"] // w["tenants"])
        storage = w["tenants"] * (
            stored["DynamoDB storage"] + (stored["DynamoDB backups (prod)"] if w["stage"] == "prod" else 0)
        )
        fixed = p["fixed_month"][w["stage"]]["usd"]
        server, cloud, machines = qdrant_month(w["pages_stored"] * m.chunks_per_page, q, p, w["stage"])
        base = aws + model + storage + fixed
        out.append(
            f"| {name} | {w['tenants']:,} | {w['chats']:,} | {w['pages_in']:,} | {w['pages_stored']:,} | {aws:,.2f} | "
            f"{model:,.2f} | {storage:,.2f} | {fixed:,.2f} | {server:,.2f} | {cloud:,.2f} | **{base + server:,.2f}** | "
            f"**{base + cloud:,.2f}** | {machines} |"
        )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=10, help="chat turns measured per model")
    parser.add_argument("--pages", type=int, default=20, help="pages ingested and measured")
    parser.add_argument("--write", action="store_true", help="write the tables to RESULTS.md")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    p = load_prices()
    measured = measure(args.chats, args.pages, p["assumptions"]["page_characters"]["value"])
    text = tables(measured, p)
    print(text)
    if args.write:
        from benchmarks.results import command_line, machine, write_section

        write_section("Cost (`make cost`)", f"`{command_line()}` on {machine()}\n\n{text}\n")


if __name__ == "__main__":
    main()
