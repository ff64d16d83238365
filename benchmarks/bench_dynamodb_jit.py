"""DynamoDB Local's JIT: CPU of the engine per call while it warms up, with C2 (the JVM default) or C1 only.

Run: PYTHONPATH=layers/shared:. .venv/bin/python -m benchmarks.bench_dynamodb_jit [--phases 6]

Each variant starts DynamoDB Local as `make run` does (in memory, serial GC), writes 2,000 items of one
partition, then runs phases of 1,000 consistent GetItems, 200 Queries of 10 items and 300 two-item
TransactWriteItems (a conditional put and a counter update, the shape of a chat turn's writes). The CPU is
the Java process's own (/proc), divided by the calls: what the engine costs a request, its compiler
threads included.
"""

import argparse
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import botocore.session
from botocore.config import Config

from benchmarks.results import command_line, machine, write_section
from scripts.emulators import processes

VARIANTS = {
    "C2 (JVM default)": [],
    "C1 only (-XX:TieredStopAtLevel=1, make run's)": ["-XX:TieredStopAtLevel=1"],
}


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_variant(flags: list[str], phases: int) -> list[str]:
    lib = processes.install_dynamodb_local()
    port = processes.free_port()
    command = [processes.ensure_java(), "-Xmx512m", "-XX:+UseSerialGC", *flags,
               f"-Djava.library.path={lib / 'DynamoDBLocal_lib'}", "-jar", str(lib / "DynamoDBLocal.jar"),
               "-inMemory", "-sharedDb", "-disableTelemetry", "-port", str(port)]  # fmt: skip
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        client: Any = botocore.session.get_session().create_client(
            "dynamodb",
            region_name="us-east-1",
            endpoint_url=f"http://127.0.0.1:{port}",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",  # noqa: S106 (DynamoDB Local takes any key)
            config=Config(parameter_validation=False, retries={"max_attempts": 10}),
        )
        for _ in range(200):
            try:
                client.list_tables()
                break
            except Exception:  # not listening yet
                time.sleep(0.2)
        client.create_table(
            TableName="bench",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        started = cpu_s(child.pid)
        for i in range(2000):
            client.put_item(
                TableName="bench", Item={"pk": {"S": "T"}, "sk": {"S": f"S#{i:05d}"}, "d": {"S": "x" * 800}}
            )
        rows = [
            f"| start-up and 2,000 puts | {cpu_s(child.pid):.1f} s (puts {cpu_s(child.pid) - started:.1f} s) | | |"
        ]
        for phase in range(phases):
            before = cpu_s(child.pid)
            for i in range(1000):
                client.get_item(
                    TableName="bench", Key={"pk": {"S": "T"}, "sk": {"S": f"S#{i:05d}"}}, ConsistentRead=True
                )
            get_ms = cpu_s(child.pid) - before  # s per 1,000 calls = ms per call
            before = cpu_s(child.pid)
            for i in range(200):
                client.query(
                    TableName="bench",
                    KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
                    ExpressionAttributeValues={":p": {"S": "T"}, ":s": {"S": f"S#{i:03d}"}},
                )
            query_ms = (cpu_s(child.pid) - before) * 5
            before = cpu_s(child.pid)
            for i in range(300):
                put = {"TableName": "bench", "Item": {"pk": {"S": f"C#{phase}#{i}"}, "sk": {"S": "M"}, "d": {"S": "y" * 500}},
                       "ConditionExpression": "attribute_not_exists(pk)"}  # fmt: skip
                count = {"TableName": "bench", "Key": {"pk": {"S": "T"}, "sk": {"S": "USAGE"}},
                         "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}  # fmt: skip
                client.transact_write_items(TransactItems=[{"Put": put}, {"Update": count}])
            write_ms = (cpu_s(child.pid) - before) * 1000 / 300
            rows.append(f"| phase {phase + 1} | {get_ms:.2f} | {query_ms:.2f} | {write_ms:.2f} |")
        return rows
    finally:
        child.terminate()
        child.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phases", type=int, default=6)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    lines = [
        "## DynamoDB Local's JIT (`benchmarks/bench_dynamodb_jit.py`)",
        "",
        f"Machine: {machine()}.",
        "",
        f"Command: `{command_line()}`",
        "",
        "CPU of the DynamoDB Local process per call, in ms, phase after phase (each phase: 1,000 GetItems, "
        "200 Queries of 10 items, 300 two-item TransactWriteItems), its JIT compiler threads included.",
    ]
    for name, flags in VARIANTS.items():
        lines += ["", f"### {name}", "", "| | GetItem | Query | TransactWriteItems |", "|---|---|---|---|"]
        lines += run_variant(flags, args.phases)
    body = "\n".join(lines)
    print(body, flush=True)
    if not args.no_write:
        write_section("dynamodb-jit", body)


if __name__ == "__main__":
    main()
