"""Key builders: the single place that spells the table's key design."""


def tenant_pk(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}"


META = "META"


def slug_guard(slug: str) -> tuple[str, str]:
    return f"SLUG#{slug}", "SLUG"


def user_sk(user_id: str) -> str:
    return f"USER#{user_id}"


def login_guard(email: str, tenant_id: str) -> tuple[str, str]:
    """One item per (email, tenant): the uniqueness guard and the cross-tenant login lookup."""
    return f"LOGIN#{email.lower()}", f"TENANT#{tenant_id}"


def token_sk(token_id: str) -> str:
    return f"TOKEN#{token_id}"


def token_guard(token_hash: str) -> tuple[str, str]:
    return f"TOKENHASH#{token_hash}", "TOKEN"


def session_sk(session_id: str) -> str:
    return f"SESSION#{session_id}"


def counter(key: str, window_start: int) -> tuple[str, str]:
    return f"RATE#{key}", f"WINDOW#{window_start}"


def bot_sk(bot_id: str) -> str:
    return f"BOT#{bot_id}"


def source_sk(source_id: str) -> str:
    return f"SOURCE#{source_id}"


REFRESH_SHARDS = 4


def refresh_keys(tenant_id: str, source_id: str, next_at_iso: str) -> tuple[str, str]:
    """Sparse GSI keys: a few shards spread the write load; the sort key orders by next run time."""
    shard = sum(source_id.encode()) % REFRESH_SHARDS
    return f"REFRESH#{shard}", f"{next_at_iso}#{tenant_id}#{source_id}"


def chat_sk(chat_id: str) -> str:
    return f"CHAT#{chat_id}"


def bot_chats_pk(tenant_id: str, bot_id: str) -> str:
    return f"TENANT#{tenant_id}#BOT#{bot_id}"


def messages_pk(tenant_id: str, chat_id: str) -> str:
    return f"TENANT#{tenant_id}#CHAT#{chat_id}"


def message_sk(message_id: str) -> str:
    return f"MSG#{message_id}"


def usage_pk(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}#USAGE"


def _shard_suffix(shard: int | None) -> str:
    return "" if shard is None else f"#SHARD#{shard:02d}"


def usage_model_sk(day: str, model: str, shard: int | None = None) -> str:
    return f"DAY#{day}#MODEL#{model}{_shard_suffix(shard)}"


def usage_bot_sk(day: str, bot_id: str, shard: int | None = None) -> str:
    return f"DAY#{day}#BOT#{bot_id}{_shard_suffix(shard)}"


def widget_key_sk(key_id: str) -> str:
    return f"WKEY#{key_id}"


def widget_guard(key_hash: str) -> tuple[str, str]:
    return f"WKEYHASH#{key_hash}", "WKEY"


def webhook_sk(webhook_id: str) -> str:
    return f"WEBHOOK#{webhook_id}"


def delivery_sk(webhook_id: str, delivery_id: str) -> str:
    return f"DELIVERY#{webhook_id}#{delivery_id}"


# The start of every totals item's sort key: TOTALS (written before sharding), TOTALS#SHARD#07.
USAGE_TOTALS = "TOTALS"
# Counters that every chat turn of a tenant moves (its TOTALS and the day's model and bot rows) are spread
# over this many items, one picked at random per write: two turns' transactions then rarely touch the same
# item (DynamoDB cancels one of them, TransactionConflict). Reads sum the shards. docs/scale.md: the figures.
USAGE_SHARDS = 64


def usage_totals_sk(shard: int | None = None) -> str:
    return f"{USAGE_TOTALS}{_shard_suffix(shard)}"


def eval_sk(bot_id: str, run_id: str) -> str:
    return f"EVAL#{bot_id}#{run_id}"
