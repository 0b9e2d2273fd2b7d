"""The SSRF guard: which addresses a feed fetch may connect to, decided once per host.

Some addresses are refused always, whatever the options say: link-local and cloud
metadata endpoints (169.254.169.254, fd00:ec2::254, 100.100.100.200), unspecified,
multicast and reserved ranges, and every IPv6 form that embeds an IPv4 address
(``::a.b.c.d``, ``::ffff:a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``,
Teredo ``2001::/32``), because they reach IPv4 hosts the IPv4 rules would refuse.
``allow_private_hosts`` opens loopback and private networks (RFC 1918, ULA, CGNAT)
for tests and intranets; everything else must be globally routable.

:class:`Pins` resolves a host once, checks every address it resolves to, and keeps
the answer for the rest of the fetch: the transport connects to exactly the address
that was checked, so a DNS server that answers "public" first and "loopback" second
(rebinding) gets no second chance.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

from listeners.retry import TransientError

Resolver = Callable[[str], list[str]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_net = ipaddress.ip_network
_METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
_EMBEDDED_V4 = (
    _net("::ffff:0:0/96"),  # IPv4-mapped
    _net("::/96"),  # IPv4-compatible (deprecated), also :: and ::1 forms
    _net("64:ff9b::/96"),  # NAT64
    _net("64:ff9b:1::/48"),  # local-use NAT64
    _net("2002::/16"),  # 6to4
    _net("2001::/32"),  # Teredo
    _net("::ffff:0:0:0/96"),  # SIIT translated
)
_NEVER = (
    _net("0.0.0.0/8"),  # "this network": 0.0.0.0 reaches the local host
    _net("169.254.0.0/16"),  # link-local, cloud metadata
    _net("fe80::/10"),  # link-local
    _net("224.0.0.0/4"),  # multicast
    _net("ff00::/8"),
    _net("240.0.0.0/4"),  # reserved, broadcast
)
_PRIVATE = (
    _net("127.0.0.0/8"),
    _net("::1/128"),
    _net("10.0.0.0/8"),
    _net("172.16.0.0/12"),
    _net("192.168.0.0/16"),
    _net("100.64.0.0/10"),  # carrier-grade NAT (also VPN overlays)
    _net("fc00::/7"),  # unique local
)


def refusal(address: Address, allow_private: bool) -> str | None:
    """Why a connection to ``address`` is refused, or None when it is allowed."""
    if address in _METADATA:
        return "a cloud metadata address, never allowed"
    loopback6 = address == ipaddress.IPv6Address("::1")
    if address.version == 6 and not loopback6 and any(address in n for n in _EMBEDDED_V4):
        return "an IPv6 form of an IPv4 address, never allowed"
    if any(address.version == n.version and address in n for n in _NEVER):
        return "link-local, multicast or reserved, never allowed"
    if any(address.version == n.version and address in n for n in _PRIVATE):
        return None if allow_private else "loopback or private"
    if address.is_global:
        return None
    return "not globally routable"


def parse_address(text: str) -> Address | None:
    """The IP address ``text`` spells (brackets and an IPv6 zone id allowed), else None."""
    try:
        return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def system_resolver(host: str) -> list[str]:
    """Every address ``host`` resolves to (IP literals resolve to themselves)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


class Blocked(Exception):
    """A host resolved to an address the guard refuses."""

    def __init__(self, host: str, address: str, reason: str, fixable: bool) -> None:
        hint = (
            "; set allow_private_hosts: true if that is intended"
            if fixable
            else "; feeds are never fetched from there"
        )
        super().__init__(f"{host} resolves to the non-public address {address} ({reason}){hint}")


class Pins:
    """Checked addresses per host for one fetch (see the module docstring)."""

    def __init__(self, resolver: Resolver | None = None, *, allow_private: bool = False) -> None:
        self._resolver = resolver or system_resolver
        self._allow_private = allow_private
        self._pinned: dict[str, list[str]] = {}

    def reset(self) -> None:
        """Forget every answer: the next fetch resolves again."""
        self._pinned.clear()

    def addresses(self, host: str) -> list[str]:
        """The checked addresses of ``host``; :class:`Blocked` if any is refused."""
        key = host.strip("[]").lower()
        if key in self._pinned:
            return self._pinned[key]
        literal = parse_address(key)
        answers = [str(literal)] if literal is not None else self._resolve(key)
        checked: list[str] = []
        for answer in answers:
            address = parse_address(answer)
            if address is None:
                raise Blocked(host, answer, "not an IP address", False)
            reason = refusal(address, self._allow_private)
            if reason is not None:
                fixable = refusal(address, True) is None
                raise Blocked(host, str(address), reason, fixable)
            checked.append(str(address))
        if not checked:
            raise TransientError(f"{host} resolves to no address")
        self._pinned[key] = checked
        return checked

    def _resolve(self, host: str) -> list[str]:
        try:
            return list(self._resolver(host))
        except (OSError, UnicodeError) as exc:
            raise TransientError(f"cannot resolve {host} ({exc})") from exc
