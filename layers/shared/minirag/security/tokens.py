"""Opaque API tokens and widget keys: random, shown once, stored only as a SHA-256 hash."""

import hashlib
import secrets

API_TOKEN_PREFIX = "mrag_"  # noqa: S105
PREFIX_LENGTH = 12


def generate_token(prefix: str = API_TOKEN_PREFIX) -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def display_prefix(raw: str) -> str:
    return raw[:PREFIX_LENGTH]
