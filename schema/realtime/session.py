"""Who is on the other end of a socket, whatever protocol it speaks.

A transport hands over what it received (the URL's query string, and the init payload
when its protocol has one) and gets back a ``Session``: the credential, the ``Viewer``
it authenticates (the ``viewer`` of the socket's ``SocketContext``), and a periodic
re-check that calls the transport back once the credential stops being valid. How a
refusal or a revocation looks on the wire (a 4401 close, an ActionCable ``disconnect``
message) is the transport's business; this module never writes to a socket.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connection

from apps.accounts import authentication
from apps.accounts.authentication import credential_from_header, viewer_for_credential
from apps.accounts.viewer import Viewer
from apps.core import ratelimit
from schema.context import Context

T = TypeVar("T")
logger = logging.getLogger(__name__)

# The close code graphql-ws clients (and ours) read as "credentials refused".
UNAUTHORIZED = 4401


def _call_db(fn: Callable[..., T], *args: Any) -> T:
    try:
        try:
            return fn(*args)
        except (InterfaceError, OperationalError):
            # A connection that went away while the thread idled: reconnect once.
            connection.close()
            return fn(*args)
    finally:
        # Like the end of an HTTP request: honours DATABASE_CONN_MAX_AGE (0 closes now).
        close_old_connections()


async def run_db(fn: Callable[..., T], *args: Any) -> T:
    """Runs ORM work off the event loop.

    Not thread-sensitive on purpose: reads for many subscribers run in parallel on the
    executor's threads instead of queueing behind one thread. Per-event reads are
    shared between subscribers with identical scope (``schema.realtime.hub.SharedReads``),
    so a fan-out costs a few reads, not one per socket.
    """
    return await sync_to_async(_call_db, thread_sensitive=False)(fn, *args)


async def spend_request_budget(viewer: Viewer) -> ratelimit.Decision:
    """One operation started over a socket costs what one HTTP request costs: a hit on the
    same per-key (or per-session) budget ``schema.views.GraphQLView`` counts."""
    return await sync_to_async(authentication.spend_request_budget, thread_sensitive=False)(viewer)


@dataclass
class SocketContext(Context):
    """The GraphQL context of operations on one socket (``request`` is None: there is no HTTP request)."""

    ws: Any = None


def credential_from(query_string: bytes, params: Mapping[str, Any] | None = None) -> str | None:
    """The credential a client sent: init payload first, then the documented ``?token=``.

    ``params`` is the protocol's init payload (``{"Authorization": "Basic <key>"}`` or
    ``{"token": "<key>"}``); transports without one pass only the query string.
    """
    params = params if isinstance(params, Mapping) else {}
    for key in ("Authorization", "authorization"):
        if isinstance(params.get(key), str):
            return credential_from_header(params[key])
    for key in ("token", "api_key"):
        if isinstance(params.get(key), str) and params[key].strip():
            return credential_from_header(f"Bearer {params[key].strip()}")
    tokens = parse_qs(query_string.decode("latin1")).get("token")
    if tokens:
        return credential_from_header(f"Bearer {tokens[0].strip()}")
    return None


def _authenticate(credential: str) -> Viewer | None:
    viewer = viewer_for_credential(credential)
    if viewer is not None:
        _ = viewer.membership  # load now: resolvers run on the event loop
    return viewer


class Session:
    """An authenticated socket. ``open`` it once; ``end`` it when the socket goes away."""

    def __init__(self, credential: str, viewer: Viewer) -> None:
        self.credential = credential
        self.viewer = viewer
        self._recheck: asyncio.Task | None = None

    @classmethod
    async def open(cls, query_string: bytes, params: Mapping[str, Any] | None = None) -> Session | None:
        """The session for these credentials, or None when they are missing, unknown or revoked."""
        credential = credential_from(query_string, params)
        viewer = await run_db(_authenticate, credential) if credential else None
        return cls(credential, viewer) if credential and viewer is not None else None

    def watch_credential(self, on_revoked: Callable[[], Awaitable[None]]) -> None:
        """Re-checks the credential every ``SUBSCRIPTION_REAUTH_SECONDS``; awaits ``on_revoked``
        once when the key or session is revoked, expired or archived."""
        if self._recheck is None:
            self._recheck = asyncio.create_task(self._recheck_loop(on_revoked))

    async def _recheck_loop(self, on_revoked: Callable[[], Awaitable[None]]) -> None:
        # The first wait is jittered within (half, whole] interval: sockets opened together (a
        # reconnect wave, a deploy) would otherwise re-check in one burst of DB reads that
        # stalls event delivery for every socket on the process. Never later than promised.
        delay = settings.SUBSCRIPTION_REAUTH_SECONDS * (1 - random.random() / 2)
        while True:
            await asyncio.sleep(delay)
            delay = settings.SUBSCRIPTION_REAUTH_SECONDS
            try:
                still_valid = await run_db(viewer_for_credential, self.credential) is not None
            except Exception:  # a database hiccup is not a revocation; try again next time
                logger.exception("could not re-check a subscription credential")
                continue
            if not still_valid:
                await on_revoked()
                return

    def end(self) -> None:
        if self._recheck is not None and self._recheck is not asyncio.current_task():
            self._recheck.cancel()
