"""A lean HTTP/1.1 client for webhook POSTs: asyncio streams plus ``h11`` for the protocol.

Why not httpx: on small machines its layered stack (httpx -> httpcore -> anyio) costs
about a millisecond of CPU per request, which caps one worker well below the 1,000
signed deliveries per second we aim for. This client does only what deliveries need,
with the same care:

- ``h11`` parses responses (status, headers, chunked or sized bodies, 1xx), so HTTP
  framing is handled by a well-tested state machine, not by hand;
- keep-alive connections are pooled per (scheme, host, port) and reused only when the
  previous exchange completed cleanly; at most ``max_connections`` requests are open,
  and at most ``max_per_host`` to one receiver;
- every new connection resolves the host, refuses private/loopback/link-local/metadata
  addresses (``targets.check_addresses``) and dials the very address it checked, so a
  DNS answer cannot change between check and use; TLS verifies the certificate
  against the URL's host name;
- a connect timeout, and a total timeout around the whole exchange;
- redirects are never followed (a 3xx is just a non-2xx answer);
- only the first ``MAX_BODY`` bytes of a response are kept; a response larger than
  ``DRAIN_LIMIT`` is not read to its end and its connection is closed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, field

import h11

from webhooks import targets

MAX_BODY = 2048
DRAIN_LIMIT = 64 * 1024
KEEPALIVE_SECONDS = 5.0
READ_CHUNK = 65536


class RequestError(Exception):
    """No HTTP response: ``kind`` is ``refused``, ``timeout``, ``connection error`` or ``protocol error``."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    protocol: h11.Connection = field(default_factory=lambda: h11.Connection(our_role=h11.CLIENT))
    idle_since: float = 0.0

    def close(self) -> None:
        self.writer.close()


def _host_header(target: targets.Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def _request_target(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class Client:
    def __init__(self, *, max_connections: int, connect_timeout: float, total_timeout: float,
                 max_per_host: int | None = None, ssl_context: ssl.SSLContext | None = None) -> None:
        self._slots = asyncio.Semaphore(max_connections)
        # A per-receiver cap: polite to receivers, and one slow receiver cannot take every slot.
        self._max_per_host = max_per_host or max_connections
        self._host_slots: dict[tuple[str, str, int], asyncio.Semaphore] = {}
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self.connect_timeout = connect_timeout
        self.total_timeout = total_timeout
        self._ssl = ssl_context or ssl.create_default_context()

    async def post(self, url: str | targets.Target, headers: dict[str, str], body: bytes, *,
                   total_timeout: float | None = None) -> Response:
        target = url if isinstance(url, targets.Target) else targets.parse(url)
        url = target.url
        key = (target.scheme, target.host, target.port)
        host_slots = self._host_slots.get(key)
        if host_slots is None:
            host_slots = self._host_slots[key] = asyncio.Semaphore(self._max_per_host)
        async with host_slots, self._slots:
            try:
                async with asyncio.timeout(total_timeout or self.total_timeout):
                    return await self._exchange(target, url, headers, body)
            except TimeoutError as error:
                raise RequestError("timeout") from error

    async def _exchange(self, target: targets.Target, url: str, headers: dict[str, str], body: bytes) -> Response:
        request = h11.Request(
            method="POST",
            target=_request_target(url),
            headers=[("Host", _host_header(target)), *headers.items(), ("Content-Length", str(len(body)))],
        )
        reused = self._take_idle(target)
        if reused is not None:
            try:
                return await self._round_trip(target, reused, request, body)
            except _StaleConnection:
                pass  # the receiver closed an idle keep-alive connection: retry once on a new one
        connection = await self._connect(target)
        try:
            return await self._round_trip(target, connection, request, body)
        except _StaleConnection as error:
            raise RequestError("connection error", "the connection closed before a response") from error

    async def _round_trip(self, target: targets.Target, connection: _Connection, request: h11.Request,
                          body: bytes) -> Response:
        protocol = connection.protocol
        keep = False
        try:
            try:
                connection.writer.write(
                    protocol.send(request) + protocol.send(h11.Data(data=body)) + protocol.send(h11.EndOfMessage())
                )
                await connection.writer.drain()
            except (ConnectionError, OSError) as error:
                raise _StaleConnection() from error
            status, response_headers, received, keep = await self._read_response(connection)
            return Response(status, response_headers, bytes(received))
        except h11.ProtocolError as error:
            raise RequestError("protocol error", str(error)[:200]) from error
        except (ConnectionError, OSError) as error:
            raise RequestError("connection error", str(error)[:200]) from error
        finally:
            if keep and protocol.our_state is h11.DONE and protocol.their_state is h11.DONE:
                protocol.start_next_cycle()
                connection.idle_since = time.monotonic()
                self._idle.setdefault((target.scheme, target.host, target.port), []).append(connection)
            else:
                connection.close()

    async def _read_response(self, connection: _Connection) -> tuple[int, dict[str, str], bytearray, bool]:
        protocol = connection.protocol
        status: int | None = None
        response_headers: dict[str, str] = {}
        received = bytearray()
        read_total = 0
        while True:
            event = protocol.next_event()
            if event is h11.NEED_DATA:
                chunk = await connection.reader.read(READ_CHUNK)
                if not chunk and status is None and protocol.their_state is h11.IDLE:
                    raise _StaleConnection()
                protocol.receive_data(chunk)
                continue
            if isinstance(event, h11.InformationalResponse):
                continue
            if isinstance(event, h11.Response):
                status = event.status_code
                response_headers = {k.decode("latin1").lower(): v.decode("latin1") for k, v in event.headers}
            elif isinstance(event, h11.Data):
                read_total += len(event.data)
                if len(received) < MAX_BODY:
                    received.extend(event.data[: MAX_BODY - len(received)])
                if read_total > DRAIN_LIMIT:
                    return status or 0, response_headers, received, False
            elif isinstance(event, h11.EndOfMessage):
                return status or 0, response_headers, received, True
            else:  # ConnectionClosed or PAUSED
                if status is None:
                    raise RequestError("connection error", "the connection closed before a response")
                return status, response_headers, received, False

    def _take_idle(self, target: targets.Target) -> _Connection | None:
        pool = self._idle.get((target.scheme, target.host, target.port))
        now = time.monotonic()
        while pool:
            connection = pool.pop()
            if now - connection.idle_since < KEEPALIVE_SECONDS and not connection.reader.at_eof():
                return connection
            connection.close()
        return None

    async def _connect(self, target: targets.Target) -> _Connection:
        try:
            async with asyncio.timeout(self.connect_timeout):
                addresses = await self._resolve(target)
                last: Exception | None = None
                for address in addresses:
                    try:
                        reader, writer = await asyncio.open_connection(
                            address, target.port,
                            ssl=self._ssl if target.scheme == "https" else None,
                            server_hostname=target.host if target.scheme == "https" else None,
                        )
                        return _Connection(reader, writer)
                    except (OSError, ssl.SSLError) as error:
                        last = error
                raise RequestError("connection error", str(last)[:200])
        except TimeoutError as error:
            raise RequestError("timeout", "connect") from error

    async def _resolve(self, target: targets.Target) -> list[str]:
        try:
            ipaddress.ip_address(target.host)
            addresses = [target.host]
        except ValueError:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(target.host, target.port,
                                                                     type=socket.SOCK_STREAM)
            except (OSError, UnicodeError) as error:
                raise RequestError("connection error", f"could not resolve {target.host}") from error
            addresses = list(dict.fromkeys(info[4][0] for info in infos))
        try:
            return targets.check_addresses(target, addresses)
        except targets.UnsafeTarget as error:
            raise RequestError("refused", str(error)) from error

    async def aclose(self) -> None:
        for pool in self._idle.values():
            for connection in pool:
                connection.close()
        self._idle.clear()


class _StaleConnection(Exception):
    pass
