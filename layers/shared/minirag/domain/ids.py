"""Identifiers: time-ordered ULIDs for entities, random secrets for credentials."""

import secrets
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id(now_ms: int | None = None) -> str:
    """A ULID: 48-bit millisecond timestamp + 80 random bits, 26 Crockford base32 chars, sortable by time."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    value = (ms << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars)).lower()


def is_valid_id(value: str) -> bool:
    return len(value) == 26 and all(c in _CROCKFORD for c in value.upper())
