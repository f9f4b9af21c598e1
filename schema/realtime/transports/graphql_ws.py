"""The ``graphql-transport-ws`` and legacy ``graphql-ws`` transports (Strawberry's Channels consumer).

Strawberry speaks both protocols (chosen by subprotocol) and runs the operations; this
subclass adds the session (``schema.realtime.session``): credentials from ``?token=``
or the ``connection_init`` payload, a 4401 Unauthorized close when they are missing,
unknown or revoked (``graphql-ws`` clients first receive ``connection_error``), and the
same close once an open socket's credential is revoked.
"""

from __future__ import annotations

from typing import Any

from strawberry import UNSET
from strawberry.channels import GraphQLWSConsumer
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from apps.accounts.viewer import Viewer
from schema.realtime.session import UNAUTHORIZED, Session, SocketContext

PROTOCOLS = (GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL)


class GraphQLWSTransport(GraphQLWSConsumer):
    # Events reach subscriptions through the process-wide hub (schema.realtime.hub), so a socket
    # needs no channel of its own: naming no layer here saves a channel-layer receive per
    # connection (with channels-redis, thousands of idle Redis reads per process).
    channel_layer_alias = "subscriptions-use-the-process-hub"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._closed = False
        self._session: Session | None = None

    async def get_context(self, request: Any, response: Any) -> SocketContext:
        # Built before connection_init: the viewer is set once the session opens.
        return SocketContext(request=None, response=None, viewer=Viewer.anonymous(), ws=request)

    async def on_ws_connect(self, context: SocketContext) -> Any:
        session = await Session.open(self.scope.get("query_string", b""), context.connection_params)
        if session is None:
            if await self.pick_websocket_subprotocol(self) == GRAPHQL_WS_PROTOCOL:
                await self.send(text_data='{"type":"connection_error","payload":{"message":"Unauthorized"}}')
            await self.close(code=UNAUTHORIZED, reason="Unauthorized")
            raise ConnectionRejectionError({"message": "Unauthorized"})
        self._session = session
        context.viewer = session.viewer
        session.watch_credential(lambda: self.close(code=UNAUTHORIZED, reason="Unauthorized"))
        return UNSET

    async def disconnect(self, code: int) -> None:
        if self._session is not None:
            self._session.end()
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
