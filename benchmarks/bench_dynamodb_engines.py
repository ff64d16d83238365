"""Which local DynamoDB engine `make run` should use: start-up, latency per call, concurrency, memory.

Run: PYTHONPATH=layers/shared:. .venv/bin/python benchmarks/bench_dynamodb_engines.py [--items 3000]

Engines: moto inside the measuring process (what `make run` used), moto in its own process
(`python -m moto.server`), DynamoDB Local (Java, -inMemory) direct, and DynamoDB Local behind the
emulator router (scripts/emulators/router.py: what the test suite uses). Each gets the template's table,
`--items` items in one partition (a tenant with many sources and chats), then single-client calls
(conditional put, consistent get, query of 20, a two-item transaction: medians in ms) and 8 threads of
transactions on one partition (calls/s and errors). Memory is the engine's resident set after the run.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from benchmarks.results import command_line, machine, write_section
from scripts.emulators import processes
from scripts.emulators.router import Router
from scripts.localcloud.resources import ensure_table
from scripts.localcloud.template import load_template


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _wait_port(url: str, child: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not processes._answers(url):
        if child.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not start")
        time.sleep(0.05)


@contextmanager
def moto_inprocess() -> Iterator[tuple[str, int]]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}", os.getpid()
    server.stop()


@contextmanager
def moto_process() -> Iterator[tuple[str, int]]:
    port = processes.free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_port(url, child)
        yield url, child.pid
    finally:
        child.kill()  # moto's server ignores SIGTERM while its request threads are alive
        child.wait(10)


@contextmanager
def dynamodb_local(routed: bool = False) -> Iterator[tuple[str, int]]:
    emulator = processes.start_dynamodb_local(Path(tempfile.mkdtemp(prefix="minirag-bench-ddb-")))
    try:
        if not routed:
            yield emulator.url, emulator.process.pid
            return
        with moto_inprocess() as (other, _), Router(emulator.url, other) as router:
            yield router.url, emulator.process.pid
    finally:
        emulator.stop()


ENGINES: dict[str, Callable[[], Any]] = {
    "moto in process (make run before)": moto_inprocess,
    "moto server, own process": moto_process,
    "DynamoDB Local (Java 17), direct": dynamodb_local,
    "DynamoDB Local via the emulator router": lambda: dynamodb_local(routed=True),
}


def client(url: str) -> Any:
    config = Config(retries={"mode": "standard", "max_attempts": 1}, max_pool_connections=16)
    return boto3.client(
        "dynamodb", endpoint_url=url, region_name="us-east-1", config=config,
        aws_access_key_id="test", aws_secret_access_key="test",  # noqa: S106 (the emulators' dummy keys)
    )  # fmt: skip


def _table(ddb: Any) -> str:
    props = load_template()["Resources"]["MiniRagTable"]["Properties"]
    props = {
        k: v for k, v in props.items() if k in ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes")
    }
    name = f"bench-{uuid.uuid4().hex[:6]}"
    ensure_table(ddb, name, props | {"BillingMode": "PAY_PER_REQUEST"})
    return name


def _item(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}, "body": {"S": "x" * 400}, "n": {"N": "1"}}


def _timed(call: Callable[[], Any], n: int) -> float:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _transact(ddb: Any, table: str, pk: str) -> None:
    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": _item(pk, f"MSG#{uuid.uuid4().hex}"),
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": table, "Key": {"pk": {"S": pk + "#USAGE"}, "sk": {"S": "TOTALS"}},
                        "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        ]
    )  # fmt: skip


def _concurrent(ddb: Any, table: str, threads: int, each: int) -> tuple[float, int]:
    errors: list[str] = []

    def work() -> None:
        for _ in range(each):
            try:
                _transact(ddb, table, f"TENANT#c{threading.get_ident() % 3}")
            except Exception as exc:  # counted and reported, not hidden
                errors.append(type(exc).__name__)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return threads * each / (time.perf_counter() - start), len(errors)


def measure(name: str, items: int, calls: int) -> dict[str, Any]:
    started = time.perf_counter()
    with ENGINES[name]() as (url, pid):
        startup = time.perf_counter() - started
        ddb = client(url)
        table = _table(ddb)
        pk = "TENANT#bench"
        for i in range(0, items, 25):
            batch = [
                {"PutRequest": {"Item": _item(pk, f"SOURCE#{i + j:06d}")}} for j in range(min(25, items - i))
            ]
            ddb.batch_write_item(RequestItems={table: batch})
        put = _timed(lambda: ddb.put_item(TableName=table, Item=_item(pk, f"CHAT#{uuid.uuid4().hex}"),
                                          ConditionExpression="attribute_not_exists(pk)"), calls)  # fmt: skip
        key = {"pk": {"S": pk}, "sk": {"S": "SOURCE#000007"}}
        get = _timed(lambda: ddb.get_item(TableName=table, Key=key, ConsistentRead=True), calls)
        query = _timed(
            lambda: ddb.query(TableName=table, KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
                              ExpressionAttributeValues={":p": {"S": pk}, ":s": {"S": "SOURCE#0001"}},
                              Limit=20),
            calls,
        )  # fmt: skip
        transact = _timed(lambda: _transact(ddb, table, pk), calls)
        rate, errors = _concurrent(ddb, table, threads=8, each=calls)
        return {"engine": name, "startup": startup, "put": put, "get": get, "query": query,
                "transact": transact, "rate": rate, "errors": errors, "rss": rss_mb(pid)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--write", action="store_true", help="write the table into RESULTS.md")
    parser.add_argument("--only", default="", help="engines whose name contains this text")
    args = parser.parse_args()
    rows = []
    for name in [n for n in ENGINES if args.only.lower() in n.lower()]:
        row = measure(name, args.items, args.calls)
        print(row, flush=True)
        rows.append(
            f"| {name} | {row['startup']:.2f} | {row['put']:.1f} | {row['get']:.1f} | {row['query']:.1f} | "
            f"{row['transact']:.1f} | {row['rate']:.0f} | {row['errors']} | {row['rss']:.0f} |"
        )
    body = "\n".join([
        "## Local DynamoDB engines (`benchmarks/bench_dynamodb_engines.py`)", "",
        f"Machine: {machine()}.", "", f"Command: `{command_line()}`", "",
        f"{args.items} items in one partition first; medians of {args.calls} calls from one client (ms);"
        f" then 8 threads x {args.calls} two-item transactions on 3 partitions. Resident memory of the"
        " engine's process after the run (for moto in process: the whole measuring process).", "",
        "| engine | start-up s | conditional put | consistent get | query 20 | transaction (2 items) |"
        " 8 threads: transactions/s | errors | RSS MB |",
        "|---|---|---|---|---|---|---|---|---|", *rows,
    ])  # fmt: skip
    print(body)
    if args.write:
        write_section("dynamodb-engines", body)


if __name__ == "__main__":
    main()
