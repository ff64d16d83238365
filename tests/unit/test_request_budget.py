"""Leased request budgets: exact across processes, one counter write per block."""

import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from minirag.domain.errors import RateLimitedError
from minirag.services.budget import RequestBudget, block_size
from tests.support.ratelimit import InMemoryRateLimiter

WINDOW_START = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
NOW = WINDOW_START + timedelta(seconds=15)
KEY = "token#t1"


def spend(budget: RequestBudget, limit: int, now: datetime = NOW, key: str = KEY) -> bool:
    try:
        budget.spend(key=key, limit=limit, window_seconds=60, now=now)
    except RateLimitedError:
        return False
    return True


def spend_until_refused(budget: RequestBudget, limit: int, now: datetime = NOW) -> int:
    allowed = 0
    while spend(budget, limit, now):
        allowed += 1
    return allowed


@pytest.fixture
def fast_thread_switches() -> Iterator[None]:
    """Switch threads far more often than usual, so unguarded state would race."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def test_block_size_is_one_for_small_limits_and_at_most_fifty() -> None:
    assert [block_size(n) for n in (0, 1, 30, 39)] == [1, 1, 1, 1]
    assert [block_size(n) for n in (40, 100, 999, 1000, 1200, 100_000)] == [2, 5, 49, 50, 50, 50]


def test_small_limits_write_once_per_request_as_before() -> None:
    limiter = InMemoryRateLimiter()
    budget = RequestBudget(limiter)
    assert spend_until_refused(budget, 30) == 30
    assert limiter.writes == 30


def test_a_busy_key_writes_once_per_block() -> None:
    limiter = InMemoryRateLimiter()
    budget = RequestBudget(limiter)
    assert spend_until_refused(budget, 1200) == 1200
    assert limiter.writes == 1200 // 50
    assert not spend(budget, 1200) and limiter.writes == 24, "a spent window refuses without writing"


def test_the_refusal_says_when_the_window_ends() -> None:
    budget = RequestBudget(InMemoryRateLimiter())
    spend_until_refused(budget, 3)
    with pytest.raises(RateLimitedError) as refused:
        budget.spend(key=KEY, limit=3, window_seconds=60, now=NOW)
    assert refused.value.retry_after == 45


def test_two_processes_sharing_a_counter_spend_exactly_the_limit() -> None:
    limiter = InMemoryRateLimiter()
    first, second = RequestBudget(limiter), RequestBudget(limiter)
    allowed = 0
    for _ in range(150):
        allowed += spend(first, 100) + spend(second, 100)
    assert allowed == 100
    assert limiter.writes == 100 // 5 + 1, "a write per block of 5, and one from the process that ran out"


def test_units_held_by_an_idle_process_are_lost_only_until_the_window_ends() -> None:
    limiter = InMemoryRateLimiter()
    idle, busy = RequestBudget(limiter), RequestBudget(limiter)
    assert spend(idle, 100)
    assert spend_until_refused(busy, 100) == 95, "the idle process holds 4 spare units of its block"
    assert spend_until_refused(busy, 100, NOW + timedelta(seconds=60)) == 100


def test_a_block_crossing_the_limit_grants_only_what_is_left() -> None:
    limiter = InMemoryRateLimiter()
    limiter.hit(key=KEY, window_seconds=60, now=NOW, amount=98)
    budget = RequestBudget(limiter)
    assert spend_until_refused(budget, 100) == 2
    assert limiter.count(key=KEY, window_seconds=60, now=NOW) == 103
    assert limiter.writes == 2


def test_a_new_window_starts_a_new_budget() -> None:
    limiter = InMemoryRateLimiter()
    budget = RequestBudget(limiter)
    assert spend_until_refused(budget, 3) == 3
    assert spend_until_refused(budget, 3, NOW + timedelta(seconds=44)) == 0
    assert spend_until_refused(budget, 3, NOW + timedelta(seconds=45)) == 3


def test_budgets_are_per_key() -> None:
    budget = RequestBudget(InMemoryRateLimiter())
    assert spend_until_refused(budget, 3) == 3
    assert spend(budget, 3, key="token#t2")


def test_forgotten_keys_only_cost_a_new_block() -> None:
    limiter = InMemoryRateLimiter()
    budget = RequestBudget(limiter, max_keys=1)
    assert spend(budget, 100, key="a") and spend(budget, 100, key="b")
    assert spend(budget, 100, key="a") and limiter.writes == 3, "key a was dropped to keep one key"
    assert spend_until_refused(budget, 100) == 100 and spend(budget, 100, key="a")


def spend_in_threads(budgets: list[RequestBudget], limit: int, now: datetime) -> int:
    """Eight threads, four per process, start together and spend 60 times each; then both drain."""
    start = threading.Barrier(8)
    allowed: list[int] = []

    def client(budget: RequestBudget) -> None:
        start.wait()
        allowed.append(sum(spend(budget, limit, now) for _ in range(60)))

    threads = [threading.Thread(target=client, args=(budgets[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(allowed) + sum(spend_until_refused(budget, limit, now) for budget in budgets)


@pytest.mark.usefixtures("fast_thread_switches")
def test_threads_of_two_processes_together_spend_exactly_the_limit() -> None:
    """Every window opens with eight threads reserving at once, where unguarded state would race."""
    limiter = InMemoryRateLimiter(write_delay=0.0002)
    budgets = [RequestBudget(limiter), RequestBudget(limiter)]
    for window in range(20):
        allowed = spend_in_threads(budgets, 200, NOW + timedelta(seconds=60 * window))
        assert allowed == 200, f"window {window}: every granted unit is spent once"
    assert limiter.writes <= 20 * (200 // 10 + 8 * 2), "a write per 10 requests, and a few racing blocks"
