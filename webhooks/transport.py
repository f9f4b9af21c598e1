"""An httpx transport that checks every address it connects to (SSRF guard at send time).

Resolution happens inside the connection pool's network backend, so the address that
was checked is the address that is dialled: a DNS answer that changes between a check
and the connect (DNS rebinding) cannot reach a private address. TLS still verifies the
certificate against the URL's host name. Redirects are never followed (see ``worker``).
"""

from __future__ import annotations

import asyncio
import socket
import typing

import httpcore
import httpx
from httpcore._backends.auto import AutoBackend

from webhooks import targets


class RefusedAddress(httpcore.ConnectError):
    pass


class GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self._inner = AutoBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        target = targets.Target(url="", scheme="https", host=host, port=port, is_ip_literal=_is_ip(host))
        try:
            if target.is_ip_literal:
                addresses = [host]
            else:
                infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
                addresses = [info[4][0] for info in infos]
            targets.check_addresses(target, addresses)
        except targets.UnsafeTarget as error:
            raise RefusedAddress(str(error)) from error
        except (OSError, UnicodeError) as error:
            raise httpcore.ConnectError(f"could not resolve {host}: {error}") from error
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except httpcore.ConnectError as error:  # try the next checked address
                last = error
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: typing.Iterable[typing.Any] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks are never sent over unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, *, limits: httpx.Limits) -> None:
        super().__init__(limits=limits, trust_env=False)
        ssl_context = self._pool._ssl_context  # the context httpx built (certifi, verification on)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(),
        )


def new_client(*, concurrency: int, connect_timeout: float, total_timeout: float) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    timeout = httpx.Timeout(total_timeout, connect=connect_timeout)
    return httpx.AsyncClient(
        transport=GuardedTransport(limits=limits), timeout=timeout, follow_redirects=False, trust_env=False
    )
