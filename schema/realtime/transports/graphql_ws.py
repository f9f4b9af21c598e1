"""The ``graphql-transport-ws`` and legacy ``graphql-ws`` transports (Strawberry's Channels consumer).

Strawberry speaks both protocols (chosen by subprotocol) and runs the operations; this
subclass adds:

- the session (``schema.realtime.session``): credentials from ``?token=`` or the
  ``connection_init`` payload, a 4401 Unauthorized close when they are missing, unknown
  or revoked (``graphql-ws`` clients first receive ``connection_error``), and the same
  close once an open socket's credential is revoked;
- what HTTP requests get too: every operation a client starts spends one request of the
  per-key budget (``RATE_LIMITED`` error when over it), and queries and mutations sent
  over the socket run like HTTP ones, synchronously on a worker thread, with the same
  error masking;
- the close codes of ``schema.realtime.disconnects``: a subscription that ends with a
  ``Disconnect`` (channel layer unavailable, client fell behind) closes the socket with
  its code, which client libraries reconnect on;
- bounded sends: a message the client does not take within
  ``SUBSCRIPTION_SEND_TIMEOUT_SECONDS`` closes the socket with 4008 and releases its
  subscriptions at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from django.conf import settings
from graphql import OperationType
from strawberry import UNSET
from strawberry.channels import GraphQLWSConsumer
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler, Operation
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.types.execution import ExecutionResult, PreExecutionError

from apps.accounts.viewer import Viewer
from schema.realtime.disconnects import Disconnect, FellBehind
from schema.realtime.hub import fell_behind
from schema.realtime.operations import abort, disconnect_in, execute_off_loop, operation_type, rate_limited
from schema.realtime.session import UNAUTHORIZED, Session, SocketContext, spend_request_budget

PROTOCOLS = (GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL)


class TransportWSHandler(BaseGraphQLTransportWSHandler):
    async def handle_subscribe(self, message: Any) -> None:
        if self.connection_acknowledged and message["id"] not in self.operations:
            decision = await spend_request_budget(self.context.viewer)
            if not decision.allowed:
                await self.send_message({"id": message["id"], "type": "error",
                                         "payload": [rate_limited(decision.retry_after).formatted]})
                return
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation) -> None:
        kind = operation_type(operation.query, operation.operation_name) if isinstance(operation.query, str) else None
        if kind not in (OperationType.QUERY, OperationType.MUTATION):
            await super().run_operation(operation)
            return
        # Resolvers of queries and mutations are synchronous ORM code (on the event loop they fail
        # with "You cannot call this from an async context"): run them like an HTTP request does.
        try:
            result = await execute_off_loop(self.schema, operation.query, operation.variables, self.context,
                                            operation.operation_name)
            if isinstance(result, PreExecutionError):
                await operation.send_initial_errors(result.errors or [])
            else:
                await operation.send_next(result)
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except Exception as error:  # the formatter masks resolver errors; this is the net under it
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
        finally:
            self.operations.pop(operation.id, None)

    async def _send_result_stream(self, operation: Operation, result_source: Any) -> None:
        await super()._send_result_stream(operation, self._until_disconnect(result_source))

    async def _until_disconnect(self, results: Any) -> AsyncIterator[Any]:
        async for result in results:
            disconnect = disconnect_in(result)
            if disconnect is not None:
                self.view.drop(disconnect)
                return
            yield result


class LegacyWSHandler(BaseGraphQLWSHandler):
    async def handle_start(self, message: Any) -> None:
        if self.connection_acknowledged:
            decision = await spend_request_budget(self.context.viewer)
            if not decision.allowed:
                await self.send_message({"type": "error", "id": message["id"],
                                         "payload": rate_limited(decision.retry_after).formatted})
                return
        await super().handle_start(message)

    async def send_data_message(self, execution_result: ExecutionResult, operation_id: str) -> None:
        disconnect = disconnect_in(execution_result)
        if disconnect is not None:
            self.view.drop(disconnect)
            return
        await super().send_data_message(execution_result, operation_id)


class GraphQLWSTransport(GraphQLWSConsumer):
    # Events reach subscriptions through the process-wide hub (schema.realtime.hub), so a socket
    # needs no channel of its own: naming no layer here saves a channel-layer receive per
    # connection (with channels-redis, thousands of idle Redis reads per process).
    channel_layer_alias = "subscriptions-use-the-process-hub"
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._closed = False
        self._dropping = False
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

    def drop(self, disconnect: Disconnect) -> None:
        """Closes the socket with the code of ``disconnect`` and ends its operations now, so
        their queued events are released even if the client never takes the close frame."""
        if self._closed or self._dropping:
            return
        self._dropping = True
        # The protocol handler stops reading and cancels every operation of the socket; the close
        # runs on its own task, since the caller may be one of those operations.
        self.message_queue.put_nowait({"message": None, "disconnected": True})
        task = asyncio.create_task(self.close(code=disconnect.close_code, reason=disconnect.reason))
        _background.add(task)
        task.add_done_callback(_background.discard)

    # The protocol handlers close again after a rejection; the first close wins.
    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        if self._closed:
            return
        self._closed = True
        # The close frame waits behind whatever the client has not read yet (the server may not even
        # take it before that drained): a socket still there after the close timeout is cut off.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.SUBSCRIPTION_CLOSE_TIMEOUT_SECONDS
        loop.call_at(deadline, abort, self.base_send)
        with contextlib.suppress(TimeoutError, Exception):  # gone already, or cut off at the deadline
            async with asyncio.timeout_at(deadline):
                await super().close(code=code, reason=reason)

    async def send(self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False) -> None:
        if self._closed or self._dropping:  # nothing more after a drop: the close code says it all
            return
        try:
            async with asyncio.timeout(settings.SUBSCRIPTION_SEND_TIMEOUT_SECONDS):
                await super().send(text_data=text_data, bytes_data=bytes_data, close=close)
        except TimeoutError:
            fell_behind.record()
            self.drop(FellBehind())


# Closes in flight: the event loop keeps only weak references to tasks.
_background: set[asyncio.Task] = set()

