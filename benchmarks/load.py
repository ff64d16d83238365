"""`make load`: seeds a tenant on a running stack, runs locust headless for a fixed number of requests,
and prints throughput, p50/p95/p99 per request kind and every error.

Run: PYTHONPATH=layers/shared:. .venv/bin/python -m benchmarks.load --host http://127.0.0.1:8000 \
       --clients 8 --requests 400 --sources 250 --turns 300 [--write load-8]
The tenant (bot, sources, chat turns, one API token per client, a widget key) is kept in --state and
reused by the next run on the same host, so a 1-client and an 8-client run meet the same data.
Exit status 1 when any request failed (a 5xx, a 409, a stream that did not end with `done`).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from benchmarks.localrun import local_run
from benchmarks.results import command_line, machine, write_section

HERE = Path(__file__).resolve().parent
WIDGET_ORIGIN = "https://load.example.com"
TOPICS = ["holidays", "remote work", "expenses", "salaries", "security", "notice", "laptops", "overtime"]


class Seeder:
    def __init__(self, host: str, state: Path) -> None:
        self.http = httpx.Client(base_url=host, timeout=120)
        self.path = state
        saved = json.loads(state.read_text()) if state.exists() else {}
        self.state: dict[str, Any] = (
            saved if saved.get("host") == host and self._valid(saved) else {"host": host}
        )

    def _valid(self, saved: dict[str, Any]) -> bool:
        headers = {"Authorization": f"Bearer {saved.get('owner_token', '')}"}
        return self.http.get("/v1/tenants/me", headers=headers).status_code == 200

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.state['owner_token']}"}

    def _post(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = self.http.post(path, json=body, headers=self.headers if headers is None else headers)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"seeding: POST {path} -> {response.status_code} {response.text[:300]}")
        data: dict[str, Any] = response.json()
        return data

    def seed(self, *, clients: int, sources: int, turns: int) -> dict[str, Any]:
        s = self.state
        if "owner_token" not in s:
            slug = f"load-{int(time.time())}"
            body = {"tenant_name": slug, "tenant_slug": slug, "owner_email": f"{slug}@example.com",
                    "owner_password": "load test password"}  # fmt: skip
            s["owner_token"] = self._post("/v1/tenants", body, headers={})["api_token"]
            s["bot_id"] = self._post("/v1/bot-profiles", {"name": "Load handbook"})["id"]
            s.update(tokens=[], sources=0, turns=0, chats=[])
        self._save()
        while len(s["tokens"]) < clients:
            s["tokens"].append(
                self._post("/v1/api-tokens", {"name": f"client {len(s['tokens'])}"})["raw_token"]
            )
        if "widget_key" not in s:
            spec = {"name": "load", "allowed_origins": [WIDGET_ORIGIN], "rate_limit_per_minute": 10000,
                    "max_messages_per_day": 1000000}  # fmt: skip
            s["widget_key"] = self._post(f"/v1/bot-profiles/{s['bot_id']}/widget-keys", spec)["key"]
        self._save()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(self._source, range(s["sources"], sources)))
            s["sources"] = max(s["sources"], sources)
            self._save()
            self._wait_ready()
            chats = list(pool.map(self._conversation, range(s["turns"] // 2, turns // 2 + turns % 2)))
        s["chats"] = (s["chats"] + chats)[-50:]
        s["turns"] = max(s["turns"], turns)
        self._save()
        return s

    def _source(self, i: int) -> None:
        topic = TOPICS[i % len(TOPICS)]
        text = (f"Policy note {i} on {topic}. Staff get {20 + i % 10} days of {topic} allowance each year. "
                f"Requests about {topic} go to team {i % 13}, who answer within {1 + i % 5} working days.")  # fmt: skip
        body = {
            "bot_profile_id": self.state["bot_id"],
            "name": f"Note {i}",
            "source_type": "text",
            "content": text,
        }
        self._post("/v1/sources?ingest=true", body)

    def _wait_ready(self, timeout: float = 900) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            statuses, cursor = [], None
            while True:
                params = {"limit": 200} | ({"cursor": cursor} if cursor else {})
                page = self.http.get("/v1/sources", params=params, headers=self.headers)
                statuses += [src["status"] for src in page.json()]
                if not (cursor := page.headers.get("x-next-cursor")):
                    break
            if all(status in ("ready", "error") for status in statuses):
                return
            time.sleep(2)
        raise RuntimeError("seeding: sources still ingesting")

    def _conversation(self, i: int) -> str:
        first = {"bot_profile_id": self.state["bot_id"], "message": f"How many days of {TOPICS[i % 8]}?"}
        chat_id: str = self._post("/v1/chat", first)["chat_id"]
        self._post("/v1/chat", first | {"chat_id": chat_id, "message": "And who answers requests?"})
        return chat_id

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.state, indent=1))


def run_locust(
    host: str, config: dict[str, Any], clients: int, requests: int
) -> tuple[list[dict[str, Any]], float]:
    work = Path(tempfile.mkdtemp(prefix="minirag-load-"))
    (work / "config.json").write_text(json.dumps(config | {"widget_origin": WIDGET_ORIGIN}))
    env = os.environ | {"LOAD_CONFIG": str(work / "config.json"), "LOAD_REQUESTS": str(requests),
                        "LOAD_RESULTS": str(work / "results.jsonl")}  # fmt: skip
    command = [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless",
               "-u", str(clients), "-r", str(clients), "--host", host, "--only-summary",
               "--loglevel", "WARNING", "--stop-timeout", "120"]  # fmt: skip
    with (work / "locust.log").open("wb") as log:
        done = subprocess.run(command, env=env, check=False, timeout=3600, stdout=log, stderr=log)  # noqa: S603
    results = work / "results.jsonl"
    rows = [json.loads(line) for line in results.read_text().splitlines() if line] if results.exists() else []
    if not rows:
        raise RuntimeError(
            f"locust recorded nothing (exit {done.returncode}):\n{(work / 'locust.log').read_text()[-3000:]}"
        )
    wall = max(r["end"] for r in rows) - min(
        r["end"] - r["ms"] / 1000 for r in rows
    )  # first send to last answer
    return rows, wall


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def report(rows: list[dict[str, Any]], wall: float, clients: int) -> tuple[str, dict[str, Any]]:
    kinds = sorted({r["kind"] for r in rows})
    lines = [
        "| kind | requests | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind in [*kinds, "all"]:
        picked = [r for r in rows if kind in ("all", r["kind"])]
        ms = [r["ms"] for r in picked]
        errors = sum(1 for r in picked if r["error"])
        lines.append(f"| {kind} | {len(picked)} | {len(picked) / wall:.2f} | {_pct(ms, 0.5):.0f} | "
                     f"{_pct(ms, 0.95):.0f} | {_pct(ms, 0.99):.0f} | {errors} |")  # fmt: skip
    chats = [r for r in rows if "chat" in r["kind"] and r["kind"] != "chat messages"]
    chat_ms = [r["ms"] for r in chats]
    summary = {
        "clients": clients, "requests": len(rows), "wall_s": round(wall, 1), "req_per_s": round(len(rows) / wall, 2),
        "chats_per_s": round(len(chats) / wall, 2), "chat_p50_ms": round(statistics.median(chat_ms)),
        "chat_p95_ms": round(_pct(chat_ms, 0.95)), "errors": sum(1 for r in rows if r["error"]),
        "status_5xx": sum(1 for r in rows if r["status"] >= 500), "status_409": sum(1 for r in rows if r["status"] == 409),
    }  # fmt: skip
    return "\n".join(lines), summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=f"http://127.0.0.1:{os.environ.get('PORT', '8000')}")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--sources", type=int, default=250, help="sources the tenant holds before the run")
    parser.add_argument("--turns", type=int, default=300, help="chat turns the tenant holds before the run")
    parser.add_argument(
        "--state", type=Path, default=Path(os.environ.get("MINIRAG_DATA_DIR", ".data")) / "load-tenant.json"
    )
    parser.add_argument("--write", metavar="KEY", help="write the table into benchmarks/RESULTS.md under KEY")
    parser.add_argument(
        "--start", action="store_true", help="start make run (a child process) when nothing answers"
    )
    parser.add_argument(
        "--emulators",
        action="store_true",
        help="with --start: make run on the emulator tier (DynamoDB Local + LocalStack, scripts/emulators)",
    )
    args = parser.parse_args()
    try:
        httpx.get(f"{args.host}/health", timeout=3)
    except httpx.HTTPError:
        if not args.start:
            print(f"nothing answers at {args.host}: start `make run` first, or pass --start", file=sys.stderr)
            return 2
        port = int(args.host.rsplit(":", 1)[1])
        with ExitStack() as stack:
            aws = None
            if args.emulators:
                from scripts.emulators.__main__ import emulators

                dynamodb, other = stack.enter_context(emulators())
                aws = {"AWS_ENDPOINT_URL": other, "AWS_ENDPOINT_URL_DYNAMODB": dynamodb}
            running = stack.enter_context(local_run(port, aws=aws))
            print(f"started make run at {running.url} (models warm after {running.warm_s:.1f} s)", flush=True)
            return run(args)
    return run(args)


def run(args: argparse.Namespace) -> int:
    seeded = Seeder(args.host, args.state).seed(clients=args.clients, sources=args.sources, turns=args.turns)
    print(f"tenant: {seeded['sources']} sources, {seeded['turns']} chat turns seeded; running "
          f"{args.requests} requests with {args.clients} clients", flush=True)  # fmt: skip
    rows, wall = run_locust(args.host, seeded, args.clients, args.requests)
    table, summary = report(rows, wall, args.clients)
    print(table, "", json.dumps(summary), sep="\n")
    for row in rows:
        if row["error"]:
            print(f"ERROR {row['kind']}: status {row['status']}: {row['error']}")
    if args.write:
        body = (f"### {args.clients} client(s), {len(rows)} requests\n\nMachine: {machine()}.\n\n"
                f"Command: `{command_line()}`\n\n{table}\n\nSummary: `{json.dumps(summary)}`")  # fmt: skip
        write_section(args.write, body)
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
