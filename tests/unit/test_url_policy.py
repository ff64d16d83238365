"""UrlPolicy: which URLs and resolved addresses the platform may fetch. No network: numeric hosts resolve
locally, names resolve through an injected resolver."""

import socket

import pytest

from minirag.adapters.http_fetch import BlockedUrlError, UnresolvableHostError, UrlPolicy
from minirag.adapters.http_fetch.addresses import AddressClass, classify
from minirag.domain.errors import UnprocessableError

PRIVATE, LINK_LOCAL, RESERVED = AddressClass.PRIVATE, AddressClass.LINK_LOCAL, AddressClass.RESERVED

BLOCKED = [
    # loopback and private networks (unlocked by allow_private)
    ("127.0.0.1", PRIVATE),
    ("127.255.255.254", PRIVATE),
    ("::1", PRIVATE),
    ("10.0.0.1", PRIVATE),
    ("10.255.255.255", PRIVATE),
    ("172.16.0.1", PRIVATE),
    ("172.31.255.254", PRIVATE),
    ("192.168.1.1", PRIVATE),
    ("100.64.0.1", PRIVATE),
    ("100.127.255.254", PRIVATE),
    ("fc00::1", PRIVATE),
    ("fd12:3456:789a::1", PRIVATE),
    # link-local, the metadata service among them (never allowed)
    ("169.254.169.254", LINK_LOCAL),
    ("169.254.0.1", LINK_LOCAL),
    ("fe80::1", LINK_LOCAL),
    ("fe80::1%eth0", LINK_LOCAL),
    ("febf::1", LINK_LOCAL),
    ("fd00:ec2::254", LINK_LOCAL),  # AWS's IPv6 metadata endpoint, inside fd00::/8 yet never allowed
    # unspecified, reserved, multicast and other special-purpose ranges (never allowed)
    ("0.0.0.0", RESERVED),  # noqa: S104 - an address to refuse, not one to bind
    ("0.1.2.3", RESERVED),
    ("240.0.0.1", RESERVED),
    ("255.255.255.255", RESERVED),
    ("224.0.0.1", RESERVED),
    ("239.255.255.250", RESERVED),
    ("::", RESERVED),
    ("ff02::1", RESERVED),
    ("ff0e::1", RESERVED),
    ("192.0.2.1", RESERVED),
    ("198.18.0.1", RESERVED),
    ("2001:db8::1", RESERVED),
    ("fec0::1", RESERVED),
    ("2001::1", RESERVED),  # Teredo
    ("64:ff9b:1::1", RESERVED),  # local-use NAT64
    ("not-an-address", RESERVED),
    # IPv6 forms carrying an IPv4 address are judged by that address
    ("::ffff:127.0.0.1", PRIVATE),
    ("::ffff:10.0.0.1", PRIVATE),
    ("::ffff:169.254.169.254", LINK_LOCAL),
    ("::ffff:0.0.0.0", RESERVED),
    ("::127.0.0.1", PRIVATE),  # IPv4-compatible
    ("::169.254.169.254", LINK_LOCAL),
    ("2002:7f00:1::", PRIVATE),  # 6to4
    ("2002:a9fe:a9fe::1", LINK_LOCAL),
    ("64:ff9b::7f00:1", PRIVATE),  # NAT64
    ("64:ff9b::a9fe:a9fe", LINK_LOCAL),
]

PUBLIC = [
    "93.184.216.34",
    "8.8.8.8",
    "172.32.0.1",
    "100.128.0.1",
    "169.255.0.1",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "2002:808:808::1",
    "64:ff9b::808:808",
]


def resolving_to(*addresses: str) -> "FakeResolver":
    return FakeResolver(list(addresses))


class FakeResolver:
    """Answers every name with fixed addresses and records what it was asked."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append((host, port))
        return self.addresses


@pytest.mark.parametrize(("address", "kind"), BLOCKED)
def test_classifies_special_addresses(address: str, kind: AddressClass) -> None:
    assert classify(address) is kind


@pytest.mark.parametrize("address", PUBLIC)
def test_classifies_public_addresses(address: str) -> None:
    assert classify(address) is AddressClass.PUBLIC


@pytest.mark.parametrize(("address", "kind"), BLOCKED)
def test_refuses_a_name_resolving_to_a_blocked_address(address: str, kind: AddressClass) -> None:
    policy = UrlPolicy(resolver=resolving_to(address))

    with pytest.raises(BlockedUrlError) as caught:
        policy.check_url("https://public-looking.example/page")

    assert caught.value.address == address
    assert address not in caught.value.detail  # the tenant is not told where internal names point


@pytest.mark.parametrize(("address", "kind"), BLOCKED)
def test_allow_private_unlocks_only_loopback_and_private(address: str, kind: AddressClass) -> None:
    policy = UrlPolicy(allow_private=True, resolver=resolving_to(address))

    if kind is PRIVATE:
        policy.check_url("http://dev.example/")
    else:
        with pytest.raises(BlockedUrlError):
            policy.check_url("http://dev.example/")


@pytest.mark.parametrize(("address", "kind"), BLOCKED)
@pytest.mark.parametrize("local", [True, False])
def test_only_a_local_instance_names_the_setting_and_only_where_it_would_help(
    address: str, kind: AddressClass, local: bool
) -> None:
    policy = UrlPolicy(resolver=resolving_to(address), local_hint=local)

    with pytest.raises(BlockedUrlError) as caught:
        policy.check_url("http://dev.example/")

    named = "MINIRAG_ALLOW_PRIVATE_URLS" in caught.value.detail
    assert named is (local and kind is PRIVATE)  # link-local and reserved stay refused whatever it says


@pytest.mark.parametrize("address", PUBLIC)
def test_allows_a_name_resolving_to_a_public_address(address: str) -> None:
    policy = UrlPolicy(resolver=resolving_to(address))

    vetted = policy.vet("https://example.com/page?q=1")

    assert vetted.addresses == (address,)
    assert str(vetted.url) == "https://example.com/page?q=1"


def test_refuses_when_any_of_several_addresses_is_blocked() -> None:
    policy = UrlPolicy(resolver=resolving_to("93.184.216.34", "10.0.0.7", "8.8.8.8"))

    with pytest.raises(BlockedUrlError, match="private network"):
        policy.check_url("http://mixed.example/")


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",  # decimal 127.0.0.1
        "http://0x7f.1/",  # hex and short form
        "http://0x7f000001/",
        "http://017700000001/",  # octal
        "http://127.1/",
        "http://0/",  # 0.0.0.0
        "http://0xa9fea9fe/",  # 169.254.169.254 in hex
        "http://2852039166/latest/meta-data/",  # 169.254.169.254 in decimal
        "http://[::1]:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://[fe80::1]/",
        "http://[fe80::1%25eth0]/",
        "http://[::]/",
        "http://localhost/",
        "http://169.254.169.254/latest/meta-data/iam/",
    ],
)
def test_refuses_numeric_and_local_spellings_with_the_real_resolver(url: str) -> None:
    with pytest.raises(BlockedUrlError):
        UrlPolicy().check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://0xa9fea9fe/",
        "http://2852039166/",
        "http://[::ffff:169.254.169.254]/",
        "http://[fe80::1]/",
        "http://[fd00:ec2::254]/latest/meta-data/",
    ],
)
def test_metadata_service_stays_refused_with_allow_private(url: str) -> None:
    with pytest.raises(BlockedUrlError, match="link-local"):
        UrlPolicy(allow_private=True).check_url(url)


def test_allow_private_admits_loopback_spellings() -> None:
    policy = UrlPolicy(allow_private=True)

    for url in ("http://2130706433/", "http://0x7f.1/", "http://127.0.0.1:8000/", "http://[::1]/"):
        policy.check_url(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/file", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://example.com/", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("http://user:secret@example.com/", "user name or password"),
        ("http://user@example.com/", "user name or password"),
        ("http:///path", "no host"),
        ("http://0177.0.0.1/", "not a valid URL"),
        ("http://[::1/", "not a valid URL"),
    ],
)
def test_refuses_malformed_urls_before_resolving(url: str, reason: str) -> None:
    resolver = resolving_to("93.184.216.34")

    with pytest.raises(BlockedUrlError, match=reason) as caught:
        UrlPolicy(resolver=resolver).check_url(url)

    assert resolver.calls == []
    assert "secret" not in caught.value.detail


def test_unresolvable_host_has_its_own_error() -> None:
    def failing(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(UnresolvableHostError, match="does not resolve"):
        UrlPolicy(resolver=failing).check_url("https://no-such-host.example/")
    with pytest.raises(UnresolvableHostError):
        UrlPolicy(resolver=resolving_to()).check_url("https://empty-answer.example/")


def test_resolver_gets_the_ascii_host_and_the_effective_port() -> None:
    resolver = resolving_to("93.184.216.34")
    policy = UrlPolicy(resolver=resolver)

    policy.check_url("https://example.com/")
    policy.check_url("http://example.com/")
    policy.check_url("http://example.com:8080/")
    policy.check_url("https://bücher.example/")

    assert resolver.calls == [
        ("example.com", 443),
        ("example.com", 80),
        ("example.com", 8080),
        ("xn--bcher-kva.example", 443),
    ]


def test_errors_surface_as_unprocessable() -> None:
    assert issubclass(BlockedUrlError, UnprocessableError)
    assert issubclass(UnresolvableHostError, BlockedUrlError)
