"""Fernet encryption for secrets at rest and for opaque pagination cursors."""

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from minirag.domain.errors import InvalidInputError


class SecretBox:
    """Encrypts provider secrets and cursors. Several keys (newest first) allow rotation."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one Fernet key is required")
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode()).decode()

    def rotate(self, token: str) -> str:
        return self._fernet.rotate(token.encode()).decode()

    def encode_cursor(self, tenant_id: str, key: dict[str, Any]) -> str:
        """Opaque cursor bound to its tenant, so a client cannot pivot to another tenant's keys."""
        payload = json.dumps({"t": tenant_id, "k": key}, separators=(",", ":"))
        return base64.urlsafe_b64encode(self._fernet.encrypt(payload.encode())).decode().rstrip("=")

    def decode_cursor(self, tenant_id: str, cursor: str) -> dict[str, Any]:
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            payload = json.loads(self._fernet.decrypt(base64.urlsafe_b64decode(padded)))
        except (InvalidToken, ValueError, TypeError) as exc:
            raise InvalidInputError("invalid cursor") from exc
        if not isinstance(payload, dict) or payload.get("t") != tenant_id:
            raise InvalidInputError("invalid cursor")
        key = payload.get("k")
        if not isinstance(key, dict):
            raise InvalidInputError("invalid cursor")
        return key


def new_fernet_key() -> str:
    return Fernet.generate_key().decode()
