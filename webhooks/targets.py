"""Receiver URL checks, applied at registration and again before every send.

A receiver URL must be an absolute ``https`` URL (WHATWG rules for the parts we accept:
no credentials, a valid host, a port in range, no whitespace or control characters).
Its host must resolve only to public addresses: loopback, private, link-local (cloud
metadata lives there), shared, reserved and multicast addresses are refused unless the
host is listed in ``WEBHOOK_ALLOWED_PRIVATE_HOSTS``. The worker connects to the very
address it checked (see ``worker``), so a DNS answer cannot change between check and use.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import idna
from django.conf import settings

MAX_URL_LENGTH = 2048
_FORBIDDEN_HOST_CHARS = set("\x00\t\n\r #/:<>?@[\\]^|%")


class UnsafeTarget(ValueError):
    """The URL may not receive webhooks; the message says why, for the ``messages`` payload."""


@dataclass(frozen=True)
class Target:
    url: str  # normalized
    scheme: str
    host: str  # ASCII host name or IP literal without brackets
    port: int
    is_ip_literal: bool


def _allow_list() -> list[str]:
    return [entry.strip().lower() for entry in settings.WEBHOOK_ALLOWED_PRIVATE_HOSTS if entry.strip()]


def _host_listed(host: str) -> bool:
    return host.lower() in _allow_list()


def _address_listed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    for entry in _allow_list():
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def parse(raw: object) -> Target:
    """Validates the syntax and scheme of ``raw``; raises ``UnsafeTarget``."""
    if not isinstance(raw, str) or not raw.strip():
        raise UnsafeTarget("A URL is required, like https://example.com/webhooks.")
    text = raw.strip()
    if len(text) > MAX_URL_LENGTH:
        raise UnsafeTarget(f"The URL must be at most {MAX_URL_LENGTH} characters.")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        raise UnsafeTarget("The URL must not contain spaces or control characters.")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise UnsafeTarget("The URL is not valid: the port must be a number between 0 and 65535.") from error
    scheme = parts.scheme.lower()
    if scheme not in {"https", "http"} or not parts.netloc:
        raise UnsafeTarget("The URL must be an absolute https URL, like https://example.com/webhooks.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeTarget("The URL must not contain a user name or password.")
    host = parts.hostname or ""
    if not host:
        raise UnsafeTarget("The URL must name a host.")
    is_ip = False
    try:
        ipaddress.ip_address(host)
        is_ip = True
    except ValueError:
        if host.replace(".", "").isdigit():
            raise UnsafeTarget("The URL's host is not a valid IP address.") from None
        if any(ch in _FORBIDDEN_HOST_CHARS for ch in host):
            raise UnsafeTarget("The URL's host contains characters a host name cannot have.") from None
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as error:
            raise UnsafeTarget("The URL's host is not a valid domain name.") from error
    if scheme == "http" and not (settings.WEBHOOK_ALLOW_HTTP and _host_listed(host)):
        raise UnsafeTarget("The URL must use https.")
    port = port or (443 if scheme == "https" else 80)
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    normalized = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    return Target(normalized, scheme, host, port, is_ip)


def check_addresses(target: Target, addresses: list[str]) -> list[str]:
    """Refuses the target unless every resolved address is public (or allow-listed)."""
    if not addresses:
        raise UnsafeTarget("The URL's host does not resolve to any address.")
    if _host_listed(target.host):
        return addresses
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        for effective in (address, *embedded_ipv4(address)):
            if _address_listed(effective):
                continue
            if not effective.is_global or effective.is_multicast or effective.is_reserved:
                raise UnsafeTarget(
                    "The URL's host resolves to a private, loopback, link-local or metadata address; "
                    "webhooks are only sent to public addresses."
                )
    return addresses


_NAT64_PREFIXES = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def embedded_ipv4(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address reaches through a translation or tunnel mechanism.

    A gateway or the host's own stack forwards these to the embedded IPv4 address, so
    ``[2002:7f00:1::]`` (6to4) reaches 127.0.0.1 although the IPv6 address itself looks
    public. Each embedded address must pass the same check as a plain IPv4 one.
    """
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    found: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:  # ::ffff:a.b.c.d
        found.append(address.ipv4_mapped)
    if address.sixtofour is not None:  # 2002:AABB:CCDD::/48
        found.append(address.sixtofour)
    if address.teredo is not None:  # 2001:0::/32: (server, client)
        found.extend(address.teredo)
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    nat64 = any(address in prefix for prefix in _NAT64_PREFIXES)  # RFC 6052, RFC 8215
    compatible = address in _IPV4_COMPATIBLE and int(address) > 1  # deprecated ::a.b.c.d (not :: or ::1)
    if nat64 or compatible:
        found.append(low32)
    return found


def resolve(target: Target) -> list[str]:
    if target.is_ip_literal:
        return [target.host]
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeTarget("The URL's host does not resolve; check the domain name.") from error
    return sorted({info[4][0] for info in infos})


def validate(raw: object) -> Target:
    """Full check used at registration: syntax, scheme and every resolved address."""
    target = parse(raw)
    check_addresses(target, resolve(target))
    return target
