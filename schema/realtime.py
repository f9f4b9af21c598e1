"""WebSocket transport for GraphQL subscriptions at ``/subscriptions``.

Strawberry's Channels consumer speaks ``graphql-transport-ws`` and the older
``graphql-ws`` (chosen by subprotocol). Credentials come from the documented
``?token=<api key>`` query parameter or from the ``connection_init`` payload
(``{"token": ...}`` or ``{"Authorization": "Basic <key>"}``). A missing, unknown or
revoked credential closes the socket with 4401 Unauthorized (``graphql-ws`` clients
first receive ``connection_error``). Open sockets re-check their credential every
``SUBSCRIPTION_REAUTH_SECONDS``; a key revoked meanwhile closes the socket the same way.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connection
from strawberry import UNSET
from strawberry.channels import GraphQLWSConsumer
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_WS_PROTOCOL

from apps.accounts.authentication import credential_from_header, viewer_for_credential
from apps.accounts.viewer import Viewer
from schema.context import Context

T = TypeVar("T")
logger = logging.getLogger(__name__)
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
    shared between subscribers with identical scope (``schema.hub.SharedReads``), so
    a fan-out costs a few reads, not one per socket.
    """
    return await sync_to_async(_call_db, thread_sensitive=False)(fn, *args)


@dataclass
class SocketContext(Context):
    ws: Any = None


def _credential(query_string: bytes, params: dict[str, Any] | None) -> str | None:
    params = params if isinstance(params, dict) else {}
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


def _authenticate(credential: str | None) -> Viewer | None:
    viewer = viewer_for_credential(credential)
    if viewer is not None:
        _ = viewer.membership  # load now: resolvers run on the event loop
    return viewer


class SubscriptionConsumer(GraphQLWSConsumer):
    # Events reach subscriptions through the process-wide hub (schema.hub), so a socket
    # needs no channel of its own: naming no layer here saves a channel-layer receive per
    # connection (with channels-redis, thousands of idle Redis reads per process).
    channel_layer_alias = "subscriptions-use-the-process-hub"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._closed = False
        self._reauth: asyncio.Task | None = None

    async def get_context(self, request: Any, response: Any) -> SocketContext:
        return SocketContext(request=None, response=None, viewer=Viewer.anonymous(), ws=request)

    async def on_ws_connect(self, context: SocketContext) -> Any:
        credential = _credential(self.scope.get("query_string", b""), context.connection_params)
        viewer = await run_db(_authenticate, credential) if credential else None
        if viewer is None:
            if await self.pick_websocket_subprotocol(self) == GRAPHQL_WS_PROTOCOL:
                await self.send(text_data='{"type":"connection_error","payload":{"message":"Unauthorized"}}')
            await self.close(code=UNAUTHORIZED, reason="Unauthorized")
            raise ConnectionRejectionError({"message": "Unauthorized"})
        context.viewer = viewer
        self._reauth = asyncio.create_task(self._recheck_credential(credential))
        return UNSET

    async def _recheck_credential(self, credential: str) -> None:
        """Closes the socket once its key or session is revoked, expired or archived."""
        # The first wait is jittered within (half, whole] interval: sockets opened together (a
        # reconnect wave, a deploy) would otherwise re-check in one burst of DB reads that
        # stalls event delivery for every socket on the process. Never later than promised.
        delay = settings.SUBSCRIPTION_REAUTH_SECONDS * (1 - random.random() / 2)
        while not self._closed:
            await asyncio.sleep(delay)
            delay = settings.SUBSCRIPTION_REAUTH_SECONDS
            try:
                still_valid = await run_db(viewer_for_credential, credential) is not None
            except Exception:  # a database hiccup is not a revocation; try again next time
                logger.exception("could not re-check a subscription credential")
                continue
            if not still_valid:
                await self.close(code=UNAUTHORIZED, reason="Unauthorized")
                return

    async def disconnect(self, code: int) -> None:
        if self._reauth is not None:
            self._reauth.cancel()
        await super().disconnect(code)

    # The protocol handlers close again after a rejection; the first close wins.
    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        if self._closed:
            return
        self._closed = True
        await super().close(code=code, reason=reason)

    async def send(self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False) -> None:
        if self._closed:
            return
        await super().send(text_data=text_data, bytes_data=bytes_data, close=close)
