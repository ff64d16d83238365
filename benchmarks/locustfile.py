"""The `make load` mix for locust (headless; benchmarks/load.py seeds the tenant and runs this).

Each simulated client has its own API token (a person's integration) and runs a weighted mix: new and
follow-up chats, streamed and not, widget chats from an allowed origin, source creation with ingestion,
and the list reads a dashboard makes. The run stops after LOAD_REQUESTS requests; every request's kind,
time, status and error go to LOAD_RESULTS (JSON lines) for benchmarks/load.py to summarise.
"""

import itertools
import json
import os
import random
import threading
import time
from pathlib import Path
from typing import Any

import gevent
from locust import HttpUser, between, events, task
from locust.env import Environment
from locust.exception import StopUser

CONFIG: dict[str, Any] = json.loads(Path(os.environ["LOAD_CONFIG"]).read_text())
LIMIT = int(os.environ.get("LOAD_REQUESTS", "200"))
RESULTS = Path(os.environ["LOAD_RESULTS"])
QUESTIONS = [
    "How many days of holiday do we get?", "What is the policy on remote work?", "Who approves expenses?",
    "When are salaries paid?", "How do I report a security incident?", "What is the notice period?",
    "Can I carry over unused leave?", "Which laptop do engineers get?", "How is overtime compensated?",
]  # fmt: skip
FOLLOW_UPS = ["And for part-time staff?", "Is there an exception?", "Who do I ask about it?", "Since when?"]
_sent = [0]  # requests taken from the budget (gevent: one thread, no lock needed)
_tokens = itertools.cycle(CONFIG["tokens"])
_lock = threading.Lock()
_out = RESULTS.open("a", encoding="utf-8")


@events.request.add_listener
def _record(
    request_type: str, name: str, response_time: float, response: Any, exception: Any, **_: Any
) -> None:
    status = getattr(response, "status_code", 0) or 0
    error = None
    if exception is not None:
        body = getattr(response, "text", "") or ""
        error = f"{type(exception).__name__}: {exception} {body[:300]}".strip()
    row = {"kind": name, "ms": round(response_time, 2), "end": time.time(), "status": status, "error": error}
    with _lock:
        _out.write(json.dumps(row) + "\n")
        _out.flush()


@events.test_start.add_listener
def _stop_when_done(environment: Environment, **_: Any) -> None:
    """Quits once the budget is spent and every client has finished (locust has no request count)."""

    def watch() -> None:
        while True:
            gevent.sleep(0.1)
            runner = environment.runner
            if runner is not None and _sent[0] > LIMIT and runner.user_count == 0:
                runner.quit()
                return

    gevent.spawn(watch)


class Client(HttpUser):
    wait_time = between(0.0, 0.05)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {next(_tokens)}"}
        self.chats: list[str] = list(CONFIG.get("chats", []))[:5]
        self.widget_chats: list[str] = []

    def _count(self) -> None:
        """The fixed request budget: past it each client stops after its request in flight."""
        _sent[0] += 1
        if _sent[0] > LIMIT:
            raise StopUser

    def _chat(self, kind: str, *, stream: bool, follow_up: bool, headers: dict[str, str]) -> str | None:
        self._count()
        pool = self.widget_chats if "widget" in kind else self.chats
        body: dict[str, Any] = {"bot_profile_id": CONFIG["bot_id"], "stream": stream}
        if follow_up and pool:
            body |= {"chat_id": random.choice(pool), "message": random.choice(FOLLOW_UPS)}
        else:
            body["message"] = random.choice(QUESTIONS)
        with self.client.post("/v1/chat", json=body, headers=headers, name=kind, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")
                return None
            if stream:
                frames = [line[7:] for line in r.text.splitlines() if line.startswith("event: ")]
                if not frames or frames[-1] != "done":
                    r.failure(f"stream ended with {frames[-1:] or 'nothing'}")
                    return None
                chat_id = json.loads(r.text.rsplit("data: ", 1)[1].split("\n", 1)[0])["chat_id"]
            else:
                chat_id = r.json()["chat_id"]
        if not follow_up and chat_id:
            pool.append(chat_id)
        return str(chat_id)

    @task(3)
    def chat_new(self) -> None:
        self._chat("chat new", stream=False, follow_up=False, headers=self.headers)

    @task(3)
    def chat_follow_up(self) -> None:
        self._chat("chat follow-up", stream=False, follow_up=True, headers=self.headers)

    @task(2)
    def chat_stream_new(self) -> None:
        self._chat("chat stream new", stream=True, follow_up=False, headers=self.headers)

    @task(2)
    def chat_stream_follow_up(self) -> None:
        self._chat("chat stream follow-up", stream=True, follow_up=True, headers=self.headers)

    @task(1)
    def widget_chat(self) -> None:
        headers = {"Authorization": f"Bearer {CONFIG['widget_key']}", "Origin": CONFIG["widget_origin"]}
        self._chat(
            "widget chat",
            stream=bool(random.getrandbits(1)),
            follow_up=bool(self.widget_chats),
            headers=headers,
        )

    @task(1)
    def source_create(self) -> None:
        self._count()
        n = random.randrange(10**9)
        body = {
            "bot_profile_id": CONFIG["bot_id"],
            "name": f"Load note {n}",
            "source_type": "text",
            "content": f"Load note {n}. Meeting rooms on floor {n % 7} are booked through the front desk. "
            "Visitors sign in at reception and wear a badge.",
        }
        self.client.post(
            "/v1/sources?ingest=true", json=body, headers=self.headers, name="source create+ingest"
        )

    @task(2)
    def list_sources(self) -> None:
        self._count()
        self.client.get("/v1/sources?limit=50", headers=self.headers, name="list sources")

    @task(2)
    def list_chats(self) -> None:
        self._count()
        self.client.get("/v1/chat?limit=20", headers=self.headers, name="list chats")

    @task(1)
    def list_bots(self) -> None:
        self._count()
        self.client.get("/v1/bot-profiles", headers=self.headers, name="list bots")

    @task(1)
    def chat_messages(self) -> None:
        if self.chats:
            self._count()
            chat_id = random.choice(self.chats)
            self.client.get(f"/v1/chat/{chat_id}/messages", headers=self.headers, name="chat messages")
