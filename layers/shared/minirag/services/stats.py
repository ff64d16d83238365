"""Usage, cost and feedback analytics, read from aggregates written with each message (never a scan)."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, Protocol

from minirag.domain.models import Principal
from minirag.ports import BotRepository, Clock


class StatsRepository(Protocol):
    def days(self, *, tenant_id: str, first_day: str, last_day: str) -> list[dict[str, Any]]: ...

    def totals(self, *, tenant_id: str) -> dict[str, float]: ...


# Priced in GET /v1/stats/pricing for every tenant: the provider models a dashboard's cost calculator is
# most often asked about (the original MiniRAG's list), beside the tenant's own.
COMMON_MODELS = (
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4-turbo",
    "gpt-4",
    "gpt-3.5-turbo",
    "o1",
    "o1-mini",
    "o3-mini",
    "claude-opus-4-6",
    "claude-sonnet-4-5-20250929",
    "claude-haiku-4-5-20251001",
    "gemini/gemini-2.0-flash",
    "gemini/gemini-1.5-pro",
    "gemini/gemini-1.5-flash",
)


def _sum(rows: Iterable[dict[str, Any]], *names: str) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for row in rows:
        for name in names:
            out[name] += row[name]
    return out


def _of_kind(rows: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in rows if r["kind"] == kind]


def _bot_totals(bot_rows: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]], dict[str, float]]]:
    """Per bot id (sorted) its rows and summed usage, leaving out bots without requests in the window."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in bot_rows:
        grouped[row["bot_id"]].append(row)
    numbers = ("prompt_tokens", "completion_tokens", "requests", "cost_usd", "retrievals", "embedding_tokens")
    totals = [(bot_id, rows, _sum(rows, *numbers)) for bot_id, rows in sorted(grouped.items())]
    return [(bot_id, rows, t) for bot_id, rows, t in totals if t["requests"] or t["retrievals"]]


class StatsService:
    def __init__(
        self,
        *,
        stats: StatsRepository,
        bots: BotRepository,
        clock: Clock,
        prices: Callable[[str], tuple[float, float]],
    ) -> None:
        self._stats = stats
        self._bots = bots
        self._clock = clock
        self._prices = prices

    def _window(self, principal: Principal, days: int | None) -> list[dict[str, Any]]:
        """Both kinds of daily rows of the last `days` days (None: every day, as the original MiniRAG's
        usage routes answered without `days`): one query, for routes that need both."""
        today = self._clock.now().date()
        first = "0001-01-01" if days is None else (today - timedelta(days=max(days, 1) - 1)).isoformat()
        return self._stats.days(tenant_id=principal.tenant_id, first_day=first, last_day=today.isoformat())

    def _rows(self, principal: Principal, days: int | None, kind: str) -> list[dict[str, Any]]:
        return _of_kind(self._window(principal, days), kind)

    def overview(self, principal: Principal) -> dict[str, Any]:
        """One read: the counts live on the tenant's TOTALS item, moved by the writes they count."""
        totals = self._stats.totals(tenant_id=principal.tenant_id)
        prompt, completion = int(totals["prompt_tokens"]), int(totals["completion_tokens"])
        return {
            "bot_profiles": int(totals["bot_profiles"]),
            "sources": int(totals["sources"]),
            "chats": int(totals["chats"]),
            "messages": int(totals["messages"]),
            "total_prompt_tokens": prompt,
            "total_completion_tokens": completion,
            "total_tokens": prompt + completion,
            "embedding_tokens": int(totals["embedding_tokens"]),
            "retrievals": int(totals["retrievals"]),  # added: retrieve calls and MCP searches
        }

    def usage(self, principal: Principal, days: int | None) -> list[dict[str, Any]]:
        rows = sorted(self._rows(principal, days, "model"), key=lambda r: (r["day"], r["model"]))
        return [
            {
                "date": r["day"],
                "model": r["model"],
                "prompt_tokens": int(r["prompt_tokens"]),
                "completion_tokens": int(r["completion_tokens"]),
                "total_tokens": int(r["prompt_tokens"] + r["completion_tokens"]),
                "request_count": int(r["requests"]),
            }
            for r in rows
        ]

    def by_model(self, principal: Principal, days: int | None) -> list[dict[str, Any]]:
        return self._model_totals(self._rows(principal, days, "model"))

    def _model_totals(self, model_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in model_rows:
            grouped[row["model"]].append(row)
        out = []
        for model, rows in sorted(grouped.items()):
            t = _sum(rows, "prompt_tokens", "completion_tokens", "requests", "cost_usd")
            prompt_price, completion_price = self._prices(model)
            out.append(
                {
                    "model": model,
                    "prompt_tokens": int(t["prompt_tokens"]),
                    "completion_tokens": int(t["completion_tokens"]),
                    "total_tokens": int(t["prompt_tokens"] + t["completion_tokens"]),
                    "request_count": int(t["requests"]),
                    "cost_usd": round(t["cost_usd"], 10),
                    "prompt_cost_per_1m": prompt_price,
                    "completion_cost_per_1m": completion_price,
                }
            )
        return out

    def by_bot(self, principal: Principal, days: int | None) -> list[dict[str, Any]]:
        return self._named_bots(principal, _bot_totals(self._rows(principal, days, "bot")))

    def _named_bots(
        self, principal: Principal, used: list[tuple[str, list[dict[str, Any]], dict[str, float]]]
    ) -> list[dict[str, Any]]:
        if not used:
            return []  # nothing to name: the bot query is skipped
        bots = {b.id: b for b in self._bots.list_all(tenant_id=principal.tenant_id)}
        out = []
        for bot_id, rows, t in used:
            bot = bots.get(bot_id)
            out.append(
                {
                    "bot_profile_id": bot_id,
                    "bot_name": bot.name if bot else "(deleted)",
                    "model": bot.model if bot else rows[-1]["model"],
                    "prompt_tokens": int(t["prompt_tokens"]),
                    "completion_tokens": int(t["completion_tokens"]),
                    "total_tokens": int(t["prompt_tokens"] + t["completion_tokens"]),
                    "request_count": int(t["requests"]),
                    "cost_usd": round(t["cost_usd"], 10),
                    # added: the bot's retrieve calls and MCP searches, and their query embedding tokens
                    "retrieval_count": int(t["retrievals"]),
                    "embedding_tokens": int(t["embedding_tokens"]),
                }
            )
        return out

    def cost_estimate(self, principal: Principal, days: int) -> dict[str, Any]:
        """One usage query for all three views; by_model and by_bot are the rows of the by-model and
        by-bot routes (lists, as the original's dashboard reads them)."""
        rows = self._window(principal, days)
        model_rows = _of_kind(rows, "model")
        by_model = self._model_totals(model_rows)
        total = sum(m["cost_usd"] for m in by_model)
        active = len({r["day"] for r in model_rows if r["requests"]})
        daily = total / active if active else 0.0
        return {
            "total_cost_usd": round(total, 10),
            "daily_avg_cost_usd": round(daily, 10),
            "projected_monthly_usd": round(daily * 30, 10),
            "active_days": active,
            "by_model": by_model,
            "by_bot": self._named_bots(principal, _bot_totals(_of_kind(rows, "bot"))),
        }

    def pricing(self, principal: Principal, defaults: Iterable[str]) -> dict[str, Any]:
        """The tenant's models, the platform's defaults and the common provider models, priced from
        LiteLLM's cost map; `default` is what a model missing from the map is charged (nothing)."""
        mine = {b.model for b in self._bots.list_all(tenant_id=principal.tenant_id)}
        models = sorted(mine | set(defaults) | set(COMMON_MODELS))
        priced = {m: self._prices(m) for m in models}
        return {
            "models": {
                m: {"prompt_cost_per_1m": p, "completion_cost_per_1m": c} for m, (p, c) in priced.items()
            },
            "default": {"prompt_cost_per_1m": 0.0, "completion_cost_per_1m": 0.0},
        }

    def _message_rows(self, principal: Principal, days: int, bot_id: str | None) -> list[dict[str, Any]]:
        """Bot rows with messages or feedback: a row holding only retrievals is no part of feedback."""
        return [
            r
            for r in self._rows(principal, days, "bot")
            if (bot_id is None or r["bot_id"] == bot_id) and (r["requests"] or r["positive"] or r["negative"])
        ]

    def feedback(self, principal: Principal, days: int, bot_id: str | None) -> dict[str, Any]:
        rows = self._message_rows(principal, days, bot_id)
        bots = {b.id: b.name for b in self._bots.list_all(tenant_id=principal.tenant_id)} if rows else {}
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            grouped[row["bot_id"]].append(row)
        by_bot = [
            self._feedback_row(rs) | {"bot_profile_id": b, "bot_name": bots.get(b, "(deleted)")}
            for b, rs in sorted(grouped.items())
        ]
        return self._feedback_row(rows) | {"by_bot": by_bot}

    @staticmethod
    def _feedback_row(rows: list[dict[str, Any]]) -> dict[str, Any]:
        t = _sum(rows, "requests", "positive", "negative")
        rated = t["positive"] + t["negative"]
        return {
            "total_messages": int(t["requests"]),
            "total_with_feedback": int(rated),
            "positive_count": int(t["positive"]),
            "negative_count": int(t["negative"]),
            # a percentage, as the original computed it (0..100, two decimals)
            "feedback_rate": round(100 * rated / t["requests"], 2) if t["requests"] else 0.0,
        }

    def feedback_trend(self, principal: Principal, days: int, bot_id: str | None) -> list[dict[str, Any]]:
        per_day: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in self._message_rows(principal, days, bot_id):
            per_day[row["day"]].append(row)
        out = []
        for day, rows in sorted(per_day.items()):
            t = _sum(rows, "requests", "positive", "negative")
            out.append(
                {
                    "date": day,
                    "positive_count": int(t["positive"]),
                    "negative_count": int(t["negative"]),
                    "total_messages": int(t["requests"]),
                }
            )
        return out
