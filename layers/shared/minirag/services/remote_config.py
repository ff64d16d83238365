"""The config of a remote-search source: checked and sealed on the way in, shown without its token.

Clients send `{base_url, api_token, authority?, limit?}`. The token is sealed with the platform's Fernet
keys (the same SecretBox as bot credentials) and stored as SEALED_TOKEN; responses carry `has_api_token`
instead. A config change that omits `api_token` keeps the sealed one; `api_token: ""` removes it.
"""

from collections.abc import Callable
from typing import Any

from minirag.domain.errors import UnprocessableError
from minirag.domain.remote import (
    AUTHORITIES,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    REMOTE_SEARCH_TYPES,
    SEALED_TOKEN,
    RemoteEndpoint,
)

DEFAULT_BASE_URLS = {"nyxcore": "https://nyxcore.cloud"}  # the original MiniRAG's default
_SECRET_KEYS = ("api_token", SEALED_TOKEN)


def prepare_config(
    source_type: str, config: dict[str, Any], *, check_url: Callable[[str], None], seal: Callable[[str], str]
) -> None:
    """Checks `config` and seals its token, in place (callers store the dict they passed)."""
    config.pop(SEALED_TOKEN, None)  # only ever written here
    base_url = config.get("base_url")
    if base_url is None:
        config["base_url"] = DEFAULT_BASE_URLS.get(source_type, "")
    elif not isinstance(base_url, str) or not base_url.strip():
        raise UnprocessableError(f"a {source_type} source needs config.base_url")
    else:
        check_url(base_url)
    config["limit"] = _limit(config.get("limit"))
    authority = config.get("authority")
    if authority is not None:
        config["authority"] = _authority(authority)
    token = config.pop("api_token", None)
    if token is not None and not isinstance(token, str):
        raise UnprocessableError("config.api_token must be a string")
    if token:
        config[SEALED_TOKEN] = seal(token)


def changed_config(
    source_type: str, old: dict[str, Any], new: dict[str, Any], validate: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    """A config change. Remote sources merge it over what they had: the token is never shown, so a
    client cannot send it back, and a change that omits it keeps it (`api_token: ""` removes it)."""
    if source_type not in REMOTE_SEARCH_TYPES:
        validate(new)
        return new
    cleared = new.get("api_token") == ""
    merged = {k: v for k, v in old.items() if k not in _SECRET_KEYS} | new
    validate(merged)
    if not cleared and SEALED_TOKEN not in merged and old.get(SEALED_TOKEN):
        merged[SEALED_TOKEN] = old[SEALED_TOKEN]
    return merged


def public_config(source_type: str, config: dict[str, Any]) -> dict[str, Any]:
    """What responses show: never the token, sealed or not."""
    shown = {k: v for k, v in config.items() if k not in _SECRET_KEYS}
    if source_type == "nyxcore":
        shown["has_api_token"] = bool(config.get(SEALED_TOKEN))
    return shown


def endpoint(config: dict[str, Any], *, unseal: Callable[[str], str]) -> RemoteEndpoint:
    sealed = config.get(SEALED_TOKEN)
    try:
        token = unseal(sealed) if sealed else None
    except Exception as exc:  # InvalidToken: sealed under a key that has since been retired
        raise UnprocessableError(
            "the stored API token can no longer be read; set config.api_token again"
        ) from exc
    return RemoteEndpoint(
        base_url=str(config.get("base_url") or ""),
        token=token,
        limit=_limit(config.get("limit")),
        authority=tuple(config.get("authority") or ()),
    )


def _limit(value: Any) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        raise UnprocessableError(f"config.limit must be a whole number from 1 to {MAX_LIMIT}")
    return value


def _authority(value: Any) -> list[str]:
    """The original takes a list; a single value is accepted as a list of one."""
    chosen = [value] if isinstance(value, str) else value
    if not isinstance(chosen, list) or not all(a in AUTHORITIES for a in chosen):
        raise UnprocessableError(f"config.authority must list values of {', '.join(AUTHORITIES)}")
    return list(dict.fromkeys(chosen))
