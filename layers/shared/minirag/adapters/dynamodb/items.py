"""PynamoDB item classes of the single table, unbound. `DynamoTables` binds them to a table and endpoint."""

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model


class Item(Model):
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class TenantItem(Item):
    tenant_id = UnicodeAttribute()
    name = UnicodeAttribute()
    slug = UnicodeAttribute()
    plan = UnicodeAttribute(default="free")
    is_active = BooleanAttribute(default=True)
    owner_count = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()


class GuardItem(Item):
    """Uniqueness and lookup guards (slug, login email): written with attribute_not_exists."""

    tenant_id = UnicodeAttribute()
    target_id = UnicodeAttribute(null=True)


class UserItem(Item):
    user_id = UnicodeAttribute()
    email = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    role = UnicodeAttribute()
    display_name = UnicodeAttribute(null=True)
    is_active = BooleanAttribute(default=True)
    created_at = UTCDateTimeAttribute()
    session_epoch = NumberAttribute(default=0)


class TokenItem(Item):
    token_id = UnicodeAttribute()
    name = UnicodeAttribute()
    token_prefix = UnicodeAttribute()
    token_hash = UnicodeAttribute()
    role = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute(null=True)
    is_active = BooleanAttribute(default=True)
    created_by = UnicodeAttribute(null=True)
    user_id = UnicodeAttribute(null=True)  # the user whose rights bind the token


class TokenGuardItem(Item):
    """TOKENHASH#<sha256> / TOKEN: everything needed to authorise a token in one consistent read."""

    tenant_id = UnicodeAttribute()
    token_id = UnicodeAttribute()
    role = UnicodeAttribute()
    expires_at = UTCDateTimeAttribute(null=True)
    last_used_at = UTCDateTimeAttribute(null=True)
    user_id = UnicodeAttribute(null=True)  # denormalised from the user, see TokenGrant
    user_role = UnicodeAttribute(null=True)
    user_active = BooleanAttribute(null=True)


class SessionItem(Item):
    session_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute()
    epoch = NumberAttribute(default=0)
    ttl = TTLAttribute(null=True)


class CounterItem(Item):
    hits = NumberAttribute(default=0)
    ttl = TTLAttribute(null=True)


ITEM_CLASSES: tuple[type[Item], ...] = (
    TenantItem,
    GuardItem,
    UserItem,
    TokenItem,
    TokenGuardItem,
    SessionItem,
    CounterItem,
)


class BotItem(Item):
    bot_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    model = UnicodeAttribute()
    embedding_model = UnicodeAttribute()
    system_prompt = UnicodeAttribute(null=True)
    temperature = NumberAttribute()
    max_tokens = NumberAttribute()
    top_k = NumberAttribute()
    score_threshold = NumberAttribute(null=True)
    chunk_size = NumberAttribute(null=True)
    chunk_overlap = NumberAttribute(null=True)
    credentials_sealed = UnicodeAttribute(null=True)
    is_active = BooleanAttribute(default=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    sources_rev = UnicodeAttribute(null=True)  # see BotProfile.sources_rev
    retrieval_mode = UnicodeAttribute(null=True)
    rerank_model = UnicodeAttribute(null=True)
    greeting = UnicodeAttribute(null=True)
    curated_threshold = NumberAttribute(null=True)  # None: the platform's default (Settings)


class SourceItem(Item):
    source_id = UnicodeAttribute()
    bot_id = UnicodeAttribute()
    parent_id = UnicodeAttribute(null=True)
    name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    source_type = UnicodeAttribute()
    status = UnicodeAttribute()
    config = JSONAttribute(null=True)
    blob_key = UnicodeAttribute(null=True)
    document_count = NumberAttribute(default=0)
    chunk_count = NumberAttribute(default=0)
    progress_done = NumberAttribute(default=0)
    progress_total = NumberAttribute(default=0)
    error_message = UnicodeAttribute(null=True)
    is_active = BooleanAttribute(default=True)
    refresh_schedule = UnicodeAttribute(default="none")
    last_refreshed_at = UTCDateTimeAttribute(null=True)
    next_refresh_at = UTCDateTimeAttribute(null=True)
    content_hash = UnicodeAttribute(null=True)
    version = NumberAttribute(default=0)
    children_count = NumberAttribute(default=0)
    deleted_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    # sparse GSI "refresh": set only while a refresh schedule is on
    refresh_pk = UnicodeAttribute(null=True)
    refresh_sk = UnicodeAttribute(null=True)


ITEM_CLASSES = (*ITEM_CLASSES, BotItem, SourceItem)


class ChatItem(Item):
    chat_id = UnicodeAttribute()
    bot_id = UnicodeAttribute()
    title = UnicodeAttribute()
    origin = UnicodeAttribute(default="api")
    message_count = NumberAttribute(default=0)
    total_prompt_tokens = NumberAttribute(default=0)
    total_completion_tokens = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    gsi1pk = UnicodeAttribute(null=True)  # TENANT#t#BOT#b: a bot's chats, newest first
    gsi1sk = UnicodeAttribute(null=True)


class MessageItem(Item):
    message_id = UnicodeAttribute()
    chat_id = UnicodeAttribute()
    role = UnicodeAttribute()
    content = UnicodeAttribute()
    sources = JSONAttribute(null=True)
    prompt_tokens = NumberAttribute(default=0)
    completion_tokens = NumberAttribute(default=0)
    feedback = UnicodeAttribute(null=True)
    feedback_comment = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    model = UnicodeAttribute(null=True)
    cost_usd = NumberAttribute(default=0)
    latency_ms = NumberAttribute(null=True)
    time_to_first_token_ms = NumberAttribute(null=True)
    stream_ms = NumberAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    top_score = NumberAttribute(null=True)  # grounding: see domain/gaps.py
    cited = BooleanAttribute(null=True)
    not_found = BooleanAttribute(null=True)
    curated_answer_id = UnicodeAttribute(null=True)
    gap_id = UnicodeAttribute(null=True)


class UsageItem(Item):
    """Daily aggregates, ADDed when the assistant message is written: stats read these, never messages."""

    day = UnicodeAttribute()
    model = UnicodeAttribute(null=True)
    bot_id = UnicodeAttribute(null=True)
    prompt_tokens = NumberAttribute(default=0)
    completion_tokens = NumberAttribute(default=0)
    requests = NumberAttribute(default=0)
    retrievals = NumberAttribute(default=0)  # retrieve calls and MCP searches (bot rows and TOTALS)
    cost_usd = NumberAttribute(default=0)
    positive = NumberAttribute(default=0)
    negative = NumberAttribute(default=0)
    # the TOTALS item only
    chats = NumberAttribute(default=0)
    messages = NumberAttribute(default=0)
    embedding_tokens = NumberAttribute(default=0)
    bot_profiles = NumberAttribute(default=0)  # active ones: ADDed with each create and deactivation
    sources = NumberAttribute(default=0)  # ADDed in the transactions that create and delete sources


ITEM_CLASSES = (*ITEM_CLASSES, ChatItem, MessageItem, UsageItem)


class WidgetKeyItem(Item):
    key_id = UnicodeAttribute()
    bot_id = UnicodeAttribute()
    name = UnicodeAttribute()
    key_prefix = UnicodeAttribute()
    key_hash = UnicodeAttribute()
    allowed_origins = JSONAttribute()
    rate_limit_per_minute = NumberAttribute()
    max_messages_per_day = NumberAttribute()
    is_active = BooleanAttribute(default=True)
    created_at = UTCDateTimeAttribute()
    kind = UnicodeAttribute(null=True)  # None: a widget key (written before agent keys existed)


class WidgetGuardItem(Item):
    """WKEYHASH#<sha256> / WKEY: authorises a widget key, its bot, origins and limits in one read."""

    tenant_id = UnicodeAttribute()
    key_id = UnicodeAttribute()
    bot_id = UnicodeAttribute()
    allowed_origins = JSONAttribute()
    rate_limit_per_minute = NumberAttribute()
    max_messages_per_day = NumberAttribute()
    kind = UnicodeAttribute(null=True)


ITEM_CLASSES = (*ITEM_CLASSES, WidgetKeyItem, WidgetGuardItem)


class WebhookItem(Item):
    webhook_id = UnicodeAttribute()
    url = UnicodeAttribute()
    events = JSONAttribute()
    secret_sealed = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    is_active = BooleanAttribute(default=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()


class DeliveryItem(Item):
    delivery_id = UnicodeAttribute()
    webhook_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    body = UnicodeAttribute()
    status = UnicodeAttribute()
    attempts = JSONAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    ttl = TTLAttribute(null=True)


ITEM_CLASSES = (*ITEM_CLASSES, WebhookItem, DeliveryItem)


class EvalRunItem(Item):
    run_id = UnicodeAttribute()
    bot_id = UnicodeAttribute()
    status = UnicodeAttribute()
    cases = JSONAttribute()
    metrics = JSONAttribute(null=True)
    results = JSONAttribute(null=True)
    error = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    finished_at = UTCDateTimeAttribute(null=True)


ITEM_CLASSES = (*ITEM_CLASSES, EvalRunItem)


class CuratedItem(Item):
    """TENANT#t / CURATED#<bot>#<id>: an operator's answer, with its questions' vectors for chat time."""

    curated_id = UnicodeAttribute()
    bot_id = UnicodeAttribute()
    question = UnicodeAttribute()
    answer = UnicodeAttribute()
    variants = JSONAttribute(null=True)
    gap_id = UnicodeAttribute(null=True)
    embedding_model = UnicodeAttribute(null=True)
    vectors = JSONAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()


class GapGroupItem(Item):
    """TENANT#t#GAPS#<bot> / GROUP#<id>: one group of similar badly answered questions."""

    group_id = UnicodeAttribute()
    bot_id = UnicodeAttribute()
    question = UnicodeAttribute()
    asked = NumberAttribute(default=0)
    first_at = UTCDateTimeAttribute()
    last_at = UTCDateTimeAttribute()
    latest_question = UnicodeAttribute()
    latest_answer = UnicodeAttribute(null=True)
    latest_chat_id = UnicodeAttribute()
    latest_message_id = UnicodeAttribute()
    latest_sources = JSONAttribute(null=True)
    reasons = JSONAttribute(null=True)
    vector = JSONAttribute(null=True)
    curated_answer_id = UnicodeAttribute(null=True)


class GapDayItem(Item):
    """TENANT#t#GAPS#<bot> / DAY#<day>#GROUP#<id> (a group's day) or DAY#<day>#ANSWERS (the bot's day):
    ADDed at write time, so a window is one range query."""

    day = UnicodeAttribute()
    group_id = UnicodeAttribute(null=True)
    asked = NumberAttribute(default=0)
    answers = NumberAttribute(default=0)
    not_found = NumberAttribute(default=0)
    curated = NumberAttribute(default=0)
    gaps = NumberAttribute(default=0)


ITEM_CLASSES = (*ITEM_CLASSES, CuratedItem, GapGroupItem, GapDayItem)
