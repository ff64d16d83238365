"""Where the JWT secret and Fernet keys come from: settings, Secrets Manager, or a local file."""

import base64
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from minirag.adapters.aws import aws_client
from minirag.config import Settings
from minirag.security.crypto import new_fernet_key


@dataclass(frozen=True)
class KeyMaterial:
    jwt_secret: str
    fernet_keys: list[str]


def load_keys(settings: Settings) -> KeyMaterial:
    if settings.jwt_secret and settings.fernet_keys:
        return KeyMaterial(settings.jwt_secret, _split(settings.fernet_keys))
    if settings.secrets_arn:
        return _from_secrets_manager(settings)
    if settings.env in ("local", "test"):
        return _local_file(settings.data_dir / "keys.json")
    raise RuntimeError("MINIRAG_JWT_SECRET and MINIRAG_FERNET_KEYS, or MINIRAG_SECRETS_ARN, must be set")


def _split(keys: str) -> list[str]:
    return [k.strip() for k in keys.split(",") if k.strip()]


def _from_secrets_manager(settings: Settings) -> KeyMaterial:
    client = aws_client("secretsmanager", region=settings.aws_region, endpoint_url=settings.aws_endpoint_url)
    value = json.loads(client.get_secret_value(SecretId=settings.secrets_arn or "")["SecretString"])
    return from_secret_value(value)


def from_secret_value(value: dict[str, str]) -> KeyMaterial:
    """The template generates only `jwt_secret`; the Fernet key is derived from it until `fernet_keys` is set
    (rotation: put a new key first in `fernet_keys`; keep old ones after it until data is re-encrypted)."""
    jwt_secret = value["jwt_secret"]
    fernet = _split(value.get("fernet_keys", "")) or [derive_fernet_key(jwt_secret)]
    return KeyMaterial(jwt_secret, fernet)


def derive_fernet_key(secret: str) -> str:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"minirag-fernet").derive(
        secret.encode()
    )
    return base64.urlsafe_b64encode(derived).decode()


def _local_file(path: Path) -> KeyMaterial:
    """Generated once per data folder, so `make run` keeps logins and encrypted secrets across restarts."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"jwt_secret": secrets.token_urlsafe(48), "fernet_keys": new_fernet_key()}
        path.write_text(json.dumps(payload))
        path.chmod(0o600)
    value = json.loads(path.read_text())
    return KeyMaterial(value["jwt_secret"], _split(value["fernet_keys"]))


def qdrant_api_key(settings: Settings) -> str | None:
    """The Qdrant API key: given directly, or read from Secrets Manager (a plain string or {"api_key": ...})."""
    if settings.qdrant_api_key or not settings.qdrant_api_key_secret_arn:
        return settings.qdrant_api_key
    client = aws_client("secretsmanager", region=settings.aws_region, endpoint_url=settings.aws_endpoint_url)
    raw = client.get_secret_value(SecretId=settings.qdrant_api_key_secret_arn)["SecretString"]
    try:
        value = json.loads(raw)
    except ValueError:
        return str(raw)
    return str(value["api_key"]) if isinstance(value, dict) else str(value)
