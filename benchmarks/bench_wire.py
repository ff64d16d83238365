"""Our CPU per DynamoDB call: PynamoDB through a botocore client (as before) and through the wire client.

Run: PYTHONPATH=layers/shared:. .venv/bin/python -m benchmarks.bench_wire [--calls 2000] [--no-write]

Starts DynamoDB Local as `make run` does (`scripts.emulators.processes.start_dynamodb_local`), writes 100 items of one partition, then times, in this process
only (CPU clock), consistent GetItems, Queries of 10 items and two-item TransactWriteItems (a conditional
put and a counter update, the shape of a chat turn's writes), each through PynamoDB's `Connection` with
botocore's client underneath and with `adapters/dynamodb/wire.py`'s. Each kind is warmed up first; the
median of three passes is reported.
"""

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pynamodb.connection import Connection

from benchmarks.results import command_line, machine, write_section
from minirag.adapters.dynamodb.tables import DynamoConfig, DynamoTables
from scripts.emulators import processes

TABLE = "bench"


def connections(url: str) -> dict[str, Any]:
    config = DynamoConfig(
        table_name=TABLE,
        region="us-east-1",
        host=url,
        access_key="bench",
        secret_key="bench",  # noqa: S106 (DynamoDB Local takes any key)
    )
    botocore_side = Connection(region="us-east-1", host=url, max_retry_attempts=3)
    botocore_side.session.set_credentials("bench", "bench")
    return {"botocore client": botocore_side, "wire client": DynamoTables(config).connection}


def calls(connection: Any, n: int) -> dict[str, Callable[[int], None]]:
    def get(i: int) -> None:
        key = {"pk": {"S": "T"}, "sk": {"S": f"S#{i % 100:05d}"}}
        connection.dispatch("GetItem", {"TableName": TABLE, "Key": key, "ConsistentRead": True})

    def query(i: int) -> None:
        connection.dispatch("Query", {"TableName": TABLE, "KeyConditionExpression": "pk = :p AND begins_with(sk, :s)",
                                      "ExpressionAttributeValues": {":p": {"S": "T"}, ":s": {"S": f"S#000{i % 10}"}}})  # fmt: skip

    def transaction(i: int) -> None:
        put = {"TableName": TABLE, "Item": {"pk": {"S": f"C#{n}#{i}#{time.monotonic_ns()}"}, "sk": {"S": "M"},
               "d": {"S": "y" * 500}}, "ConditionExpression": "attribute_not_exists(pk)"}  # fmt: skip
        count = {"TableName": TABLE, "Key": {"pk": {"S": "T"}, "sk": {"S": "USAGE"}},
                 "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}  # fmt: skip
        connection.dispatch("TransactWriteItems", {"TransactItems": [{"Put": put}, {"Update": count}]})

    return {"GetItem": get, "Query (10 items)": query, "TransactWriteItems (2 items)": transaction}


def cpu_ms_per_call(call: Callable[[int], None], n: int) -> float:
    for i in range(n // 4):
        call(i)
    passes = []
    for _ in range(3):
        started = time.process_time()
        for i in range(n):
            call(i)
        passes.append((time.process_time() - started) * 1000 / n)
    return statistics.median(passes)


def measure(sides: dict[str, Any], n: int) -> dict[str, dict[str, float]]:
    sides["botocore client"].dispatch("CreateTable", {
        "TableName": TABLE, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
    })  # fmt: skip
    for i in range(100):
        item = {"pk": {"S": "T"}, "sk": {"S": f"S#{i:05d}"}, "d": {"S": "x" * 800}, "n": {"N": str(i)}}
        sides["wire client"].dispatch("PutItem", {"TableName": TABLE, "Item": item})
    return {name: {kind: cpu_ms_per_call(call, n) for kind, call in calls(side, n).items()}
            for name, side in sides.items()}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as logs:
        engine = processes.start_dynamodb_local(Path(logs))  # make run's engine, with its JVM flags
        try:
            figures = measure(connections(engine.url), args.calls)
        finally:
            engine.stop()
    kinds = list(figures["wire client"])
    lines = [
        "## Our CPU per DynamoDB call: botocore's client against the wire client (`benchmarks/bench_wire.py`)",
        "",
        f"Machine: {machine()}.",
        "",
        f"Command: `{command_line()}`",
        "",
        f"CPU of this process per call, in ms (median of 3 passes of {args.calls} calls, after a warm-up), both "
        "through PynamoDB's `Connection.dispatch` against DynamoDB Local; the engine's own CPU is not counted.",
        "",
        "| call | botocore client | wire client | wire / botocore |",
        "|---|---|---|---|",
        *(f"| {k} | {figures['botocore client'][k]:.3f} | {figures['wire client'][k]:.3f} | "
          f"{figures['wire client'][k] / figures['botocore client'][k]:.2f} |" for k in kinds),
    ]  # fmt: skip
    body = "\n".join(lines)
    print(body, flush=True)
    if not args.no_write:
        write_section("dynamodb-wire", body)


if __name__ == "__main__":
    main()
