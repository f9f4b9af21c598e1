"""``/subscriptions``: one URL, the transport picked by the WebSocket subprotocol.

``graphql-transport-ws`` and ``graphql-ws`` (``transports.graphql_ws``), ``actioncable-v1-json``
(``transports.actioncable``); a socket offering none of them gets Strawberry's 4406 close.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from channels.routing import URLRouter
from django.urls import re_path
from strawberry import Schema

from schema.realtime.fanout import sharing_schema
from schema.realtime.transports import actioncable, graphql_ws

ASGIApp = Any


class SubprotocolRouter:
    """Hands a WebSocket to the transport of the first subprotocol the client offers that we speak.

    Clients list subprotocols in order of preference. A socket offering none we speak goes
    to ``fallback``, which answers in its own way (Strawberry closes with 4406).
    """

    def __init__(self, transports: Mapping[str, ASGIApp], fallback: ASGIApp) -> None:
        self.transports = dict(transports)
        self.fallback = fallback

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        for protocol in scope.get("subprotocols") or ():
            if protocol in self.transports:
                return await self.transports[protocol](scope, receive, send)
        return await self.fallback(scope, receive, send)


async def refuse_unknown_path(scope: dict, receive: Any, send: Any) -> None:
    """Declines the handshake of a WebSocket to any other path (the server answers HTTP 403).

    Without it the URL router raises for an unknown path and the handshake fails with a 500.
    """
    message = await receive()
    if message.get("type") == "websocket.connect":
        await send({"type": "websocket.close", "code": 1008})


def websocket_application(schema: Schema) -> ASGIApp:
    """The ASGI app for ``websocket`` connections: every transport over one shared-execution schema."""
    shared = sharing_schema(schema)
    graphql = graphql_ws.GraphQLWSTransport.as_asgi(schema=shared, keep_alive=True, keep_alive_interval=15)
    transports = dict.fromkeys(graphql_ws.PROTOCOLS, graphql)
    # What @rails/actioncable offers first; its second offer, "actioncable-unsupported", is never selected.
    transports.update(dict.fromkeys(actioncable.PROTOCOLS, actioncable.ActionCableTransport(shared)))
    return URLRouter([
        re_path(r"^subscriptions/?$", SubprotocolRouter(transports, fallback=graphql)),
        re_path(r"", refuse_unknown_path),
    ])
