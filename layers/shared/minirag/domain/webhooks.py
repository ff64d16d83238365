"""Webhooks: subscriptions, signed deliveries and their retry schedule."""

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

EVENT_TYPES = ("source.ingested", "source.failed", "chat.message", "chat.gap")
TEST_EVENT = "test.ping"
SIGNATURE_TOLERANCE_SECONDS = 300
# The original MiniRAG's header, with its meaning: hex HMAC-SHA256(secret, raw body). Ours, beside it, also
# signs X-MiniRAG-Timestamp, so a receiver that checks it can refuse replays.
SIGNATURE_HEADER = "X-MiniRAG-Signature"
TIMESTAMPED_SIGNATURE_HEADER = "X-MiniRAG-Signature-V2"
# Delay before attempts 2..8: about 15 h in all, plus SQS's own latency; jittered by +-10 %.
BACKOFF_SECONDS = (60, 300, 900, 3600, 7200, 14400, 28800)
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass
class Webhook:
    id: str
    tenant_id: str
    url: str
    events: list[str]
    secret_sealed: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    is_active: bool = True


@dataclass(frozen=True)
class Event:
    """What `publish_event` carries from the emitting request to the webhook worker."""

    id: str
    tenant_id: str
    type: str
    created_at: datetime
    data: dict[str, Any]

    def as_message(self) -> dict[str, Any]:
        return {
            "type": "publish_event",
            "tenant_id": self.tenant_id,
            "event_id": self.id,
            "event_type": self.type,
            "created_at": self.created_at.isoformat(),
            "data": self.data,
        }

    @classmethod
    def of_message(cls, message: dict[str, Any]) -> "Event":
        return cls(
            id=message["event_id"],
            tenant_id=message["tenant_id"],
            type=message["event_type"],
            created_at=datetime.fromisoformat(message["created_at"]),
            data=message["data"],
        )

    def body(self) -> str:
        return envelope(
            event_id=self.id,
            event_type=self.type,
            created_at=self.created_at,
            tenant_id=self.tenant_id,
            data=self.data,
        )


@dataclass
class Attempt:
    at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "status_code": self.status_code,
            "duration_ms": self.duration_ms,
            "error": self.error,
        }


@dataclass
class Delivery:
    id: str
    tenant_id: str
    webhook_id: str
    event_id: str
    event_type: str
    body: str  # the exact bytes signed and sent, fixed when the event happened
    created_at: datetime
    updated_at: datetime
    status: str = "pending"  # pending | retrying | delivered | dead | cancelled
    attempts: list[Attempt] = field(default_factory=list)


def envelope(
    *, event_id: str, event_type: str, created_at: datetime, tenant_id: str, data: dict[str, Any]
) -> str:
    """Ours, `{id, type, created_at, tenant_id, data}`, over the original MiniRAG's flat payload (the data's
    fields and `event` at the top level), so the original's receivers find what they read."""
    ours = {
        "id": event_id,
        "type": event_type,
        "created_at": created_at.isoformat(),
        "tenant_id": tenant_id,
        "data": data,
    }
    return json.dumps({**data, "event": event_type, **ours}, separators=(",", ":"), sort_keys=True)


def delivery_id(event_id: str, webhook_id: str) -> str:
    """The same (event, webhook) always names the same delivery, so a fan-out run twice finds what the first
    run wrote. ULID-shaped: the event id's time prefix keeps a webhook's deliveries listing newest first."""
    digest = int.from_bytes(hashlib.sha256(f"{event_id}/{webhook_id}".encode()).digest()[:10])
    tail = "".join(_CROCKFORD[(digest >> shift) & 31] for shift in range(75, -1, -5))
    return event_id[:10] + tail.lower()


def signature(secret: str, body: str) -> str:
    """X-MiniRAG-Signature, the original MiniRAG's: hex HMAC-SHA256(secret, raw body)."""
    return hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


def timestamped_signature(secret: str, timestamp: int, body: str) -> str:
    """X-MiniRAG-Signature-V2: hex HMAC-SHA256(secret, "<timestamp>.<raw body>")."""
    return hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()


def signature_headers(secret: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "X-MiniRAG-Timestamp": str(timestamp),
        SIGNATURE_HEADER: signature(secret, body),
        TIMESTAMPED_SIGNATURE_HEADER: timestamped_signature(secret, timestamp, body),
    }


def verify(secret: str, timestamp: int, body: str, received: str, *, now: int) -> bool:
    """What a receiver of X-MiniRAG-Signature-V2 does: constant-time compare, and refuse old timestamps."""
    if abs(now - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(timestamped_signature(secret, timestamp, body), received)


def backoff(attempt: int, jitter: float) -> int:
    """Seconds to wait after failed attempt `attempt` (1-based); `jitter` in [-1, 1]."""
    base = BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1]
    return max(0, round(base * (1 + 0.1 * jitter)))
