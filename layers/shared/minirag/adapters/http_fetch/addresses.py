"""Which IP addresses an outbound request may reach.

Pure functions over `ipaddress`, kept apart from URL parsing and sockets so the ranges can be read and tested
as a table. IPv6 forms that carry an IPv4 address (mapped, compatible, 6to4, NAT64) are judged by the IPv4
address inside them, because that is where the packets end up.
"""

import ipaddress
from enum import StrEnum

type IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressClass(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"  # loopback and private networks: unlocked for local development only
    LINK_LOCAL = "link-local"  # includes the cloud metadata services: never allowed
    RESERVED = "reserved"  # unspecified, multicast, reserved, documentation...: never allowed


def _nets(*cidrs: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(c) for c in cidrs)


# Link-local, plus AWS's IPv6 instance endpoints (metadata fd00:ec2::254, DNS, time), which sit inside
# fd00::/8 and so would otherwise be unlocked with the private ranges.
_LINK_LOCAL = _nets("169.254.0.0/16", "fe80::/10", "fd00:ec2::/32")
_PRIVATE = _nets(
    "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"
)
# Ranges `ipaddress` calls global but no tenant URL should reach (multicast is checked separately).
_ALSO_RESERVED = _nets("0.0.0.0/8", "240.0.0.0/4", "fec0::/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def embedded_ipv4(ip: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address stands for, if any; otherwise the address itself."""
    if isinstance(ip, ipaddress.IPv4Address):
        return ip
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    value = int(ip)
    if ip in _NAT64 or (value >> 32 == 0 and value > 1):  # NAT64, or IPv4-compatible (::a.b.c.d, not ::/::1)
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    return ip


def classify(address: str) -> AddressClass:
    """Classify one resolved address; anything unparsable counts as reserved, so it is refused."""
    try:
        ip = embedded_ipv4(ipaddress.ip_address(address))
    except ValueError:
        return AddressClass.RESERVED
    if any(ip in net for net in _LINK_LOCAL):
        return AddressClass.LINK_LOCAL
    if any(ip in net for net in _PRIVATE):
        return AddressClass.PRIVATE
    if ip.is_multicast or not ip.is_global or any(ip in net for net in _ALSO_RESERVED):
        return AddressClass.RESERVED
    return AddressClass.PUBLIC


def is_ip_literal(host: str) -> bool:
    """True for a host written as a plain IPv4 or IPv6 address (TLS sends no SNI for those)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
