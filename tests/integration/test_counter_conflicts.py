"""One tenant at 50 chat turns/s: TransactionConflict injected at the rate the hot-item simulation measures
(benchmarks/scale_sim.py), with the counters sharded and as they were before.

Neither moto nor DynamoDB Local cancels concurrent transactions, so a proxy cancels each TransactWriteItems
attempt at random with DynamoDB's exact answer, at the simulated share of attempts. Sharded, every turn
lands and every count is exact; at the unsharded rate turns are lost (the limit the shards remove)."""

import json
import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from benchmarks.scale_sim import hot_items
from minirag.adapters.dynamodb import tables as tables_module
from minirag.adapters.dynamodb.chats import DynamoChatRepository
from minirag.adapters.dynamodb.keys import USAGE_SHARDS
from minirag.adapters.dynamodb.stats import DynamoStatsRepository
from minirag.adapters.dynamodb.tables import DynamoTables
from minirag.bootstrap import Services, dynamo_config
from minirag.domain.chat import Chat, Message
from minirag.domain.errors import DependencyUnavailableError
from minirag.domain.ids import new_id
from tests.integration.test_transaction_conflicts import cancellation
from tests.support.faulty_proxy import faulty_dynamodb

TURNS_PER_S, HOLD_MS = 50, 30  # the goal, and a transaction's time in DynamoDB (docs/scale.md)


class RandomConflicts:
    """Cancels each TransactWriteItems attempt with probability `rate` (seeded): one item conflicted."""

    def __init__(self, rate: float, seed: int = 3) -> None:
        self.rate, self.rng = rate, random.Random(seed)
        self.attempts = self.cancelled = 0

    def __call__(self, target: str, body: bytes) -> bytes | None:
        if not target.endswith(".TransactWriteItems"):
            return None
        self.attempts += 1
        if self.rng.random() >= self.rate:
            return None
        self.cancelled += 1
        count = len(json.loads(body)["TransactItems"])
        reasons = [{"Code": "None"}] * count
        reasons[self.rng.randrange(count)] = {"Code": "TransactionConflict"}
        return cancellation(reasons)


def turn(chats: DynamoChatRepository, tenant_id: str) -> None:
    """A chat's first turn: the chat with the question in one transaction, the answer in another."""
    now = datetime.now(UTC)
    chat = Chat(
        id=new_id(), tenant_id=tenant_id, bot_profile_id="b1", title="t", created_at=now, updated_at=now
    )
    question = Message(id=new_id(), chat_id=chat.id, role="user", content="Q?", created_at=now)
    answer = Message(
        id=new_id(),
        chat_id=chat.id,
        role="assistant",
        content="A.",
        model="offline",
        prompt_tokens=100,
        completion_tokens=20,
        created_at=now,
    )
    chats.create(chat=chat, first=question)
    chats.add_message(tenant_id=tenant_id, message=answer, bot_id="b1")


def run(
    services: Services, aws_endpoint: str, rate: float, turns: int
) -> tuple[int, int, RandomConflicts, dict[str, float], str]:
    conflicts, tenant_id, lost = RandomConflicts(rate), new_id(), 0
    with faulty_dynamodb(aws_endpoint) as faults:
        faults.answer = conflicts
        tables = DynamoTables(replace(dynamo_config(services.settings), host=faults.url))
        chats, stats = DynamoChatRepository(tables), DynamoStatsRepository(tables)
        for _ in range(turns):
            try:
                turn(chats, tenant_id)
            except DependencyUnavailableError:
                lost += 1
        return turns - lost, lost, conflicts, stats.totals(tenant_id=tenant_id), tenant_id


@pytest.fixture(autouse=True)
def no_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables_module, "CONFLICT_BACKOFF_S", 0.0)  # the same tries, without the sleeps


def test_sharded_counters_sustain_50_turns_per_second_at_the_simulated_conflict_rate(
    services: Services, aws_endpoint: str
) -> None:
    simulated = hot_items(TURNS_PER_S, USAGE_SHARDS, HOLD_MS)
    assert simulated.conflict_rate < 0.15 and simulated.lost_turns < 0.0005
    landed, lost, conflicts, totals, tenant_id = run(
        services, aws_endpoint, simulated.conflict_rate, turns=120
    )
    assert lost == 0 and conflicts.cancelled > 10, (conflicts.cancelled, conflicts.attempts)
    assert (landed, totals["chats"], totals["messages"]) == (120, 120, 240)
    assert totals["prompt_tokens"] == 120 * 100 and totals["completion_tokens"] == 120 * 20
    days = DynamoStatsRepository(DynamoTables(dynamo_config(services.settings))).days(
        tenant_id=tenant_id, first_day="2000-01-01", last_day="2999-12-31"
    )
    assert sorted((r["kind"], r["requests"]) for r in days) == [("bot", 120), ("model", 120)]


def test_at_the_unsharded_conflict_rate_turns_are_lost(services: Services, aws_endpoint: str) -> None:
    simulated = hot_items(TURNS_PER_S, None, HOLD_MS)
    assert simulated.conflict_rate > 0.8
    landed, lost, conflicts, totals, _ = run(services, aws_endpoint, simulated.conflict_rate, turns=20)
    assert lost > 5, (lost, conflicts.cancelled, conflicts.attempts)
    # a cancelled transaction wrote nothing: every chat stored counts its question, every landed turn its answer
    assert totals["messages"] == totals["chats"] + landed
