"""Where the design stops scaling: two seeded simulations, each under a minute.

Run: PYTHONPATH=layers/shared:. .venv/bin/python benchmarks/scale_sim.py [--write]
1. Hot items: one tenant's chat turns arrive as a Poisson process; each turn is two DynamoDB transactions
   (the user message: its chat and a TOTALS item; the answer: its chat, the day's model row, the day's bot
   row and a TOTALS item), with the counter items unsharded (as before) or one of keys.USAGE_SHARDS.
   A transaction that starts while another holds one of its items is cancelled (TransactionConflict) and
   sent again as tables._Transaction does (jittered doubling waits, CONFLICT_ATTEMPTS tries). Reported: the
   share of attempts cancelled, the turns lost after the last try, and the hottest item's and the usage
   partition's write units per second against DynamoDB's 1,000 WCU/s per-partition ceiling.
2. A month of the 10,000-tenant workload (benchmarks/cost.py WORKLOADS): tenant sizes from a Zipf law,
   a daily cycle, per-second Poisson peaks; the peak of each limit (DynamoDB per item, per partition and
   per table, Lambda concurrency, API Gateway throttling, SQS, Qdrant queries per node and memory) and
   the growth factor at which it is reached; the first limit hit is the smallest factor.
--write puts both tables in RESULTS.md.
"""

import argparse
import heapq
import math
import random
from dataclasses import dataclass

from benchmarks.results import command_line, write_section
from minirag.adapters.dynamodb.keys import USAGE_SHARDS
from minirag.adapters.dynamodb.tables import CONFLICT_ATTEMPTS, CONFLICT_BACKOFF_S

PARTITION_WCU = 1000  # DynamoDB: per partition (and so per item), write units per second
TABLE_WCU = 40_000  # DynamoDB on-demand: default per-table maximum write throughput (a quota, raisable)
TX_WCU = 2  # a transactional write of an item up to 1 KB
ANSWER_DELAY_S = 1.0  # the model's answer between the turn's two transactions


@dataclass(frozen=True)
class HotResult:
    rate: float
    shards: int
    hold_ms: float
    conflict_rate: float
    lost_turns: float
    hottest_item_wcu: float
    usage_partition_wcu: float


def hot_items(
    rate: float, shards: int | None, hold_ms: float, seconds: float = 60, seed: int = 7
) -> HotResult:
    """shards None: the counters as before (one TOTALS item, one row per day and model or bot)."""
    rng = random.Random(seed)
    locked: dict[str, float] = {}
    writes: dict[str, int] = {}
    events: list[tuple[float, int, int, tuple[str, ...]]] = []
    t, turn = 0.0, 0
    while t < seconds:
        t += rng.expovariate(rate)
        turn += 1
        pick = lambda: "" if shards is None else f"#{rng.randrange(shards)}"  # noqa: E731
        chat = f"chat{turn}"
        heapq.heappush(events, (t, 0, turn, (chat, "TOTALS" + pick())))
        n = pick()
        answer = (chat, "MODEL" + n, "BOT" + n, "TOTALS" + pick())
        heapq.heappush(events, (t + ANSWER_DELAY_S, 0, turn, answer))
    attempts = cancelled = lost = 0
    while events:
        at, attempt, turn, touched = heapq.heappop(events)
        attempts += 1
        if any(locked.get(item, 0.0) > at for item in touched):
            cancelled += 1
            if attempt + 1 == CONFLICT_ATTEMPTS:
                lost += 1
            else:
                wait = rng.uniform(0, CONFLICT_BACKOFF_S * 2**attempt)
                heapq.heappush(events, (at + 0.005 + wait, attempt + 1, turn, touched))  # + a round trip
            continue
        hold = rng.lognormvariate(math.log(hold_ms / 1000), 0.4)
        for item in touched:
            locked[item] = at + hold
            writes[item] = writes.get(item, 0) + 1
    counters = {k: v for k, v in writes.items() if not k.startswith("chat")}
    return HotResult(
        rate=rate,
        shards=shards or 1,
        hold_ms=hold_ms,
        conflict_rate=cancelled / attempts,
        lost_turns=lost / (2 * turn),
        hottest_item_wcu=max(counters.values()) * TX_WCU / seconds,
        usage_partition_wcu=sum(counters.values()) * TX_WCU / seconds,
    )


def hot_table(rates: tuple[float, ...] = (10, 50, 100), holds: tuple[float, ...] = (15, 30, 60)) -> str:
    lines = [
        "| turns/s (one tenant) | counter items | transaction hold ms | attempts cancelled | transactions lost"
        " after 6 tries | hottest item WCU/s | usage partition WCU/s (ceiling 1,000) |",
        "|---|---|---|---|---|---|---|",
    ]
    for rate in rates:
        for hold in holds:
            for shards in (None, USAGE_SHARDS):
                r = hot_items(rate, shards, hold)
                lines.append(
                    f"| {rate:g} | {'1 (before)' if shards is None else shards} | {hold:g} | "
                    f"{r.conflict_rate:.1%} | {r.lost_turns:.2%} | {r.hottest_item_wcu:.0f} | "
                    f"{r.usage_partition_wcu:.0f} |"
                )
    return "\n".join(lines)


# --- a month of the 10,000-tenant workload -----------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Each with its source in docs/scale.md."""

    lambda_concurrency: int = 1000  # account default per region
    api_rps: int = 200  # template.yaml: the prod stage's throttling rate limit (account: 10,000)
    qdrant_qps_per_node: int = (
        400  # an 8-vCPU node, 384-d HNSW with a tenant filter (an assumption: docs/scale.md)
    )
    qdrant_nodes: int = 14  # benchmarks/cost.py's self-run cluster for this workload: 14 r7g.2xlarge
    qdrant_ram_gb_per_node: int = 56  # of their 64 GiB, the rest for the OS and optimisation


@dataclass(frozen=True)
class PerTurn:
    """Measured by benchmarks/cost.py (defaults: its last run, RESULTS.md 'Cost')."""

    wcu: float = 21.0
    usage_partition_wcu: float = 8.0
    tenant_partition_wcu: float = 6.0  # the chat put and update (2 WCU each) and a widget key's counters
    chat_seconds: float = 2.5  # with a provider model streaming its answer (offline: ~0.3)
    searches: int = 1


def month(
    tenants: int = 10_000,
    chats: int = 10_000_000,
    chunks: int = 100_000_000,
    bytes_per_chunk: float = 5158,  # RAM per chunk, benchmarks/bench_qdrant_memory.py (RESULTS.md)
    seed: int = 11,
    limits: Limits | None = None,
    per_turn: PerTurn | None = None,
) -> list[tuple[str, float, float, str]]:
    """(limit, capacity, peak use, unit) for the month; growth factor = capacity / peak."""
    lim, turn = limits or Limits(), per_turn or PerTurn()
    rng = random.Random(seed)
    weights = [1 / (rank**1.1) for rank in range(1, tenants + 1)]
    share = [w / sum(weights) for w in weights]
    hours = [(day, hour) for day in range(30) for hour in range(24)]
    cycle = [1 + 0.8 * math.sin(math.pi * (h - 8) / 12) if 8 <= h <= 20 else 0.35 for _, h in hours]
    mean = sum(cycle) / len(cycle)
    per_hour = [chats * c / mean / len(hours) for c in cycle]
    peak_hour = max(per_hour) * rng.uniform(1.0, 1.15)  # one busier day in the month
    platform_rps = peak_hour / 3600
    burst = lambda lam: lam + 4 * math.sqrt(lam) if lam > 0 else 0.0  # noqa: E731 (a 1-in-30,000 second)
    top_tenant = burst(platform_rps * share[0])
    total = burst(platform_rps)
    rows = [
        (
            "DynamoDB usage partition of the busiest tenant",
            PARTITION_WCU,
            top_tenant * turn.usage_partition_wcu,
            "WCU/s",
        ),
        (
            "DynamoDB tenant partition of the busiest tenant",
            PARTITION_WCU,
            top_tenant * turn.tenant_partition_wcu,
            "WCU/s",
        ),
        (
            f"DynamoDB hottest counter item ({USAGE_SHARDS} shards)",
            PARTITION_WCU,
            top_tenant * 2 * TX_WCU / USAGE_SHARDS * 3,
            "WCU/s",
        ),
        ("DynamoDB table (on-demand default maximum)", TABLE_WCU, total * turn.wcu, "WCU/s"),
        (
            "Lambda concurrency (account default)",
            lim.lambda_concurrency,
            total * turn.chat_seconds,
            "environments",
        ),
        (
            "API Gateway stage throttle (prod)",
            lim.api_rps,
            total * 1.3,
            "requests/s",
        ),  # + widget and dashboard reads
        ("Qdrant queries", lim.qdrant_qps_per_node * lim.qdrant_nodes, total * turn.searches, "queries/s"),
        (
            "Qdrant memory (vectors and HNSW in RAM)",
            lim.qdrant_ram_gb_per_node * lim.qdrant_nodes,
            chunks * bytes_per_chunk / 1e9,
            "GB",
        ),
        ("SQS standard queue (nearly unlimited)", 100_000, total * 2, "messages/s"),
    ]
    return rows


def month_table(rows: list[tuple[str, float, float, str]]) -> str:
    lines = [
        "| limit | capacity | peak in the month | unit | growth factor to the limit |",
        "|---|---|---|---|---|",
    ]
    for name, capacity, peak, unit in sorted(rows, key=lambda r: r[1] / max(r[2], 1e-9)):
        lines.append(
            f"| {name} | {capacity:,.0f} | {peak:,.1f} | {unit} | {capacity / max(peak, 1e-9):,.1f}x |"
        )
    first = min(rows, key=lambda r: r[1] / max(r[2], 1e-9))
    lines.append(f"\nFirst limit hit: **{first[0]}**, at {first[1] / first[2]:.1f}x this workload.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="write the tables to RESULTS.md")
    args = parser.parse_args()
    hot, monthly = hot_table(), month_table(month())
    print(hot, "\n", monthly, sep="\n")
    if args.write:
        body = f"`{command_line()}`\n\n### One tenant's chat turns against its counter items\n\n{hot}\n\n"
        body += f"### A month of the 10,000-tenant workload\n\n{monthly}\n"
        write_section("Scale: hot items and a month of 10,000 tenants (`benchmarks/scale_sim.py`)", body)


if __name__ == "__main__":
    main()
