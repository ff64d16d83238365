"""UrlPolicy: may the platform fetch this URL, and at which addresses?

The policy resolves the host itself and checks every address, and the fetcher then connects only to those
addresses (see fetcher.py). Checking the hostname's addresses and letting the HTTP library resolve it again
would leave a window for DNS rebinding. Numeric spellings of hosts (2130706433, 0x7f.1, 017700000001) need
no special parsing: the resolver turns them into the address they mean, and that address is what is checked.
URLs are parsed with httpx, the same parser that sends the request, so the policy and the request cannot
disagree about which host a URL names.
"""

import socket
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from minirag.adapters.http_fetch.addresses import AddressClass, classify
from minirag.adapters.http_fetch.errors import BlockedUrlError, UnresolvableHostError

type Resolver = Callable[[str, int], list[str]]

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Said only by local instances (make run, tests): a deployed one never names the switch that opens it up.
LOCAL_PRIVATE_HINT = (
    " (this is a local instance: MINIRAG_ALLOW_PRIVATE_URLS=true lets URLs on loopback and private networks"
    " through, for development only)"
)


def default_resolver(host: str, port: int) -> list[str]:
    """All addresses the system resolver gives for host, in its order, without duplicates."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class VettedUrl:
    """A URL that passed the policy, with the addresses that were checked: connect only to these."""

    url: httpx.URL
    host: str  # ASCII (IDNA) host as written in the URL, without IPv6 brackets
    port: int
    addresses: tuple[str, ...]


class UrlPolicy:
    """Refuses URLs that could reach the platform's own network.

    allow_private unlocks loopback and private networks for local development and tests (the caller maps
    MINIRAG_ALLOW_PRIVATE_URLS onto it). Link-local addresses, among them the cloud metadata service at
    169.254.169.254, and reserved ranges are refused whatever the flag says. local_hint: a refused private
    address names that setting (LOCAL_PRIVATE_HINT), for local instances only.
    """

    def __init__(
        self, allow_private: bool = False, *, resolver: Resolver = default_resolver, local_hint: bool = False
    ) -> None:
        self.allow_private = allow_private
        self._resolver = resolver
        self._local_hint = local_hint

    def permissive(self) -> "UrlPolicy":
        """The same policy with loopback and private networks unlocked (link-local stays refused)."""
        return UrlPolicy(allow_private=True, resolver=self._resolver)

    def check_url(self, url: str) -> None:
        """Raise BlockedUrlError (UnresolvableHostError when the host does not resolve) unless allowed."""
        self.vet(url)

    def vet(self, url: str | httpx.URL) -> VettedUrl:
        """Check the URL's form, resolve its host once, and check every address it resolves to."""
        parsed = _parse(url)
        host = parsed.raw_host.decode("ascii")
        port = parsed.port or _DEFAULT_PORTS[parsed.scheme]
        addresses = self._resolve(host, port, str(parsed))
        for address in addresses:
            self._check_address(address, str(parsed))
        return VettedUrl(url=parsed, host=host, port=port, addresses=tuple(addresses))

    def _resolve(self, host: str, port: int, shown: str) -> list[str]:
        try:
            addresses = self._resolver(host, port)
        except (OSError, UnicodeError, ValueError):
            addresses = []
        if not addresses:
            raise UnresolvableHostError(f"{shown}: the host name {host!r} does not resolve")
        return addresses

    def _check_address(self, address: str, shown: str) -> None:
        kind = classify(address)
        if kind is AddressClass.PUBLIC or (kind is AddressClass.PRIVATE and self.allow_private):
            return
        reason = {
            AddressClass.PRIVATE: "a loopback or private network address",
            AddressClass.LINK_LOCAL: "a link-local address (such as the cloud metadata service)",
            AddressClass.RESERVED: "a reserved, multicast or unspecified address",
        }[kind]
        hint = LOCAL_PRIVATE_HINT if kind is AddressClass.PRIVATE and self._local_hint else ""
        raise BlockedUrlError(f"{shown}: not allowed, the host points to {reason}{hint}", address=address)


def _parse(url: str | httpx.URL) -> httpx.URL:
    """Parse and check the URL's form: http(s), a host, no user:password part."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise BlockedUrlError(f"not a valid URL: {str(url)[:200]!r}") from exc
    shown = str(parsed.copy_with(userinfo=b""))[:200]  # never echo a password
    if parsed.scheme not in _DEFAULT_PORTS:
        raise BlockedUrlError(f"{shown}: only http and https URLs are allowed")
    if parsed.userinfo:
        raise BlockedUrlError(f"{shown}: URLs with a user name or password are not allowed")
    if not parsed.raw_host:
        raise BlockedUrlError(f"{shown}: the URL has no host")
    return parsed
