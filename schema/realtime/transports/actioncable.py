"""The ActionCable transport (``actioncable-v1-json``): what ``@rails/actioncable`` with
graphql-ruby-client's ``ActionCableLink`` speaks, the setup the published documentation gives.

Only the framing lives here; authentication and its re-check (``session``), the per-key
budget, the way queries and mutations run, error masking, the bounded inbox and the
close codes (``operations``, ``hub``, ``disconnects``) are the ones ``graphql_ws`` uses.

The conversation, frame by frame (docs/subscriptions.md has the full table)::

    server  {"type":"welcome","sid":...}            then {"type":"ping","message":<unix s>} every 3 s
    client  {"command":"subscribe","identifier":"{\\"channel\\":\\"GraphqlChannel\\",\\"channelId\\":...}"}
    server  {"identifier":...,"type":"confirm_subscription"}   (another channel: reject_subscription)
    client  {"command":"message","identifier":...,"data":"{\\"query\\":...,\\"action\\":\\"execute\\"}"}
    server  {"identifier":...,"message":{"result":{"data":...},"more":<false for a query or mutation>}}
    client  {"command":"unsubscribe","identifier":...}         (stops that channel's operations)

Ending a socket: a credential that is missing, unknown or revoked gets
``{"type":"disconnect","reason":"unauthorized","reconnect":false}`` and a 4401 close; a
subscription ending with a ``Disconnect`` (layer unavailable, client fell behind) gets a
``disconnect`` with ``reconnect: true`` and the close code of ``disconnects``. Like a Rails
server, frames that make no sense (not JSON, unknown command, unknown channel identifier)
are logged and ignored: the socket stays open and nothing about them is sent back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Coroutine, Mapping
from contextlib import aclosing
from typing import Any

from django.conf import settings
from graphql import GraphQLError, OperationType
from strawberry.types.execution import PreExecutionError

from apps.core.errors import ErrorCode
from apps.core.fault_responses import new_error_id
from schema.realtime.disconnects import TRY_AGAIN_LATER, Disconnect, FellBehind, LayerUnavailable
from schema.realtime.hub import fell_behind
from schema.realtime.operations import abort, disconnect_in, execute_off_loop, operation_type, rate_limited
from schema.realtime.session import UNAUTHORIZED, Session, SocketContext, spend_request_budget

logger = logging.getLogger(__name__)

PROTOCOL = "actioncable-v1-json"
# The consumer also offers "actioncable-unsupported", a marker it uses to detect servers that
# ignore subprotocols: a server must never select it.
PROTOCOLS = (PROTOCOL,)
CHANNEL = "GraphqlChannel"
ACTION = "execute"
# Rails beats every 3 s; the consumer reopens a socket it has heard nothing from for 6 s.
PING_INTERVAL_SECONDS = 3.0

UNAUTHORIZED_FRAME = {"type": "disconnect", "reason": "unauthorized", "reconnect": False}
SERVER_RESTART_FRAME = {"type": "disconnect", "reason": "server_restart", "reconnect": True}
# ActionCable's disconnect reasons for the ``Disconnect`` a subscription ended with. The
# consumer only logs the reason; ``reconnect: true`` keeps its monitor running, so it opens a
# new socket and re-subscribes every channel.
DISCONNECT_REASONS: dict[type[Disconnect], str] = {
    LayerUnavailable: "server_restart",
    FellBehind: "remote",
}


class BadFrame(Exception):
    """A frame to log and ignore."""


def _identifier_params(identifier: Any) -> dict[str, Any]:
    if not isinstance(identifier, str):
        raise BadFrame("identifier is not a string")
    try:
        params = json.loads(identifier)
    except ValueError:
        raise BadFrame("identifier is not JSON") from None
    if not isinstance(params, dict):
        raise BadFrame("identifier is not a JSON object")
    return params


def _request_error(message: str) -> dict[str, Any]:
    return {"data": None, "errors": [{"message": message, "extensions": {"code": ErrorCode.BAD_USER_INPUT.value}}]}


def _variables(value: Any) -> dict[str, Any] | None:
    """``variables`` as ActionCableLink sends them: an object, absent, or (graphql-ruby accepts
    it too) an object encoded as a JSON string."""
    if isinstance(value, str):
        if not value.strip():
            return {}
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if value is None:
        return {}
    return value if isinstance(value, dict) else None


def _result(result: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"data": getattr(result, "data", None)}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    if getattr(result, "extensions", None):
        payload["extensions"] = result.extensions
    return payload


def _is_final(result: Any) -> bool:
    """Whether this subscription result ends the stream: an error before execution, or one that
    left no data (the subscription's source failed, e.g. an id the viewer may not see)."""
    return isinstance(result, PreExecutionError) or (result.data is None and bool(result.errors))


class ActionCableTransport:
    """The ASGI app of an ActionCable socket, over the schema ``routing`` builds."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        await Connection(self.schema, scope, send).serve(receive)


class Connection:
    """One socket: its session, its channels (identifier -> running operations) and its pings."""

    def __init__(self, schema: Any, scope: dict, send: Any) -> None:
        self.schema = schema
        self.scope = scope
        self.base_send = send
        self.session: Session | None = None
        self.context: SocketContext | None = None
        self.channels: dict[str, set[asyncio.Task]] = {}
        self._pinger: asyncio.Task | None = None
        self._ending = False  # no more frames but the one that says why
        self._closed = asyncio.Event()

    # -- the socket's life ---------------------------------------------------------------

    async def serve(self, receive: Any) -> None:
        message = await receive()
        if message.get("type") != "websocket.connect":
            return
        try:
            session = await Session.open(self.scope.get("query_string", b""))
        except Exception:  # the database is unreachable: not the client's fault, it may retry
            logger.exception("could not authenticate an ActionCable socket")
            await self.base_send({"type": "websocket.accept", "subprotocol": PROTOCOL})
            await self._send(SERVER_RESTART_FRAME)
            await self._close(TRY_AGAIN_LATER, "Authentication is temporarily unavailable; reconnect shortly.")
            return
        await self.base_send({"type": "websocket.accept", "subprotocol": PROTOCOL})
        if session is None:
            await self.refuse()
            return
        self.session = session
        self.context = SocketContext(request=None, response=None, viewer=session.viewer, ws=self)
        session.watch_credential(self.refuse)
        try:
            await self.transmit({"type": "welcome", "sid": secrets.token_urlsafe(12)})
            self._pinger = asyncio.create_task(self._ping())
            closed = asyncio.ensure_future(self._closed.wait())
            try:
                while True:
                    message = await self._next(receive, closed)
                    if message is None or message.get("type") == "websocket.disconnect":
                        return
                    if message.get("type") == "websocket.receive":
                        await self._handle(message.get("text"))
            finally:
                closed.cancel()
        finally:
            self._ending = True
            self._stop_operations()
            session.end()

    @staticmethod
    async def _next(receive: Any, closed: asyncio.Future) -> dict[str, Any] | None:
        """The next ASGI event, or None once the server closed the socket itself."""
        getter = asyncio.ensure_future(receive())
        done, _ = await asyncio.wait({getter, closed}, return_when=asyncio.FIRST_COMPLETED)
        if getter in done:
            return getter.result()
        getter.cancel()
        return None

    async def _ping(self) -> None:
        while not self._ending:
            await asyncio.sleep(PING_INTERVAL_SECONDS)
            await self.transmit({"type": "ping", "message": int(time.time())})

    async def refuse(self) -> None:
        """Missing, unknown or revoked credentials: the consumer stops for good on this frame."""
        if self._ending:
            return
        self._ending = True
        self._stop_operations()
        await self._send(UNAUTHORIZED_FRAME)
        await self._close(UNAUTHORIZED, "Unauthorized")

    def drop(self, disconnect: Disconnect, *, notify: bool = True) -> None:
        """Ends the socket because a subscription ended with ``disconnect``; its operations stop
        now, so their queued events are released even if the client never reads the close."""
        if self._ending:
            return
        self._ending = True
        self._stop_operations()
        frame = {"type": "disconnect", "reason": DISCONNECT_REASONS.get(type(disconnect), "server_restart"),
                 "reconnect": True}

        async def end() -> None:
            if notify:
                await self._send(frame)
            await self._close(disconnect.close_code, disconnect.reason)

        # On its own task: the caller may be one of the operations just cancelled.
        _background(end())

    def _stop_operations(self) -> None:
        current = asyncio.current_task()
        tasks = [task for tasks in self.channels.values() for task in tasks]
        if self._pinger is not None:
            tasks.append(self._pinger)
        self.channels = {}
        for task in tasks:
            if task is not current:
                task.cancel()

    async def _close(self, code: int, reason: str) -> None:
        # The close frame waits behind whatever the client has not read yet: a socket still
        # there after the close timeout is cut off.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.SUBSCRIPTION_CLOSE_TIMEOUT_SECONDS
        loop.call_at(deadline, abort, self.base_send)
        with contextlib.suppress(Exception):  # gone already, or cut off at the deadline
            async with asyncio.timeout_at(deadline):
                await self.base_send({"type": "websocket.close", "code": code, "reason": reason})
        self._closed.set()

    # -- sending ---------------------------------------------------------------------------

    async def transmit(self, frame: Mapping[str, Any]) -> None:
        if not self._ending:
            await self._send(frame)

    async def _send(self, frame: Mapping[str, Any]) -> None:
        if self._closed.is_set():
            return
        text = json.dumps(frame, separators=(",", ":"))
        try:
            async with asyncio.timeout(settings.SUBSCRIPTION_SEND_TIMEOUT_SECONDS):
                await self.base_send({"type": "websocket.send", "text": text})
        except TimeoutError:
            fell_behind.record()
            self.drop(FellBehind(), notify=False)  # it would wait behind the very frames that stalled
        except Exception:  # the client went away meanwhile: its disconnect event ends the socket
            logger.debug("ActionCable send to a closed socket", exc_info=True)

    async def _message(self, identifier: str, result: dict[str, Any], *, more: bool) -> None:
        await self.transmit({"identifier": identifier, "message": {"result": result, "more": more}})

    # -- receiving -------------------------------------------------------------------------

    async def _handle(self, text: Any) -> None:
        try:
            if not isinstance(text, str):
                raise BadFrame("not a text frame")
            try:
                frame = json.loads(text)
            except ValueError:
                raise BadFrame("not JSON") from None
            if not isinstance(frame, dict):
                raise BadFrame("not a JSON object")
            command, identifier = frame.get("command"), frame.get("identifier")
            params = _identifier_params(identifier)
            if command == "subscribe":
                await self._subscribe(identifier, params)
            elif command == "unsubscribe":
                for task in self.channels.pop(identifier, ()):
                    task.cancel()
            elif command == "message":
                await self._perform(identifier, frame.get("data"))
            else:
                raise BadFrame("unknown command")
        except BadFrame as problem:
            logger.info("ignored an ActionCable frame: %s", problem)
        except Exception:  # a bug must not end the socket, nor reach the client
            logger.exception("could not handle an ActionCable frame")

    async def _subscribe(self, identifier: str, params: dict[str, Any]) -> None:
        if params.get("channel") != CHANNEL:
            await self.transmit({"identifier": identifier, "type": "reject_subscription"})
            return
        if identifier in self.channels:
            # The consumer re-sends ``subscribe`` until confirmed; a second confirmation would make
            # ActionCableLink execute its operation twice. Rails ignores it too.
            raise BadFrame("already subscribed")
        self.channels[identifier] = set()
        await self.transmit({"identifier": identifier, "type": "confirm_subscription"})

    async def _perform(self, identifier: str, data: Any) -> None:
        if identifier not in self.channels:
            raise BadFrame("message for a channel not subscribed")
        if not isinstance(data, str):
            raise BadFrame("data is not a string")
        try:
            request = json.loads(data)
        except ValueError:
            raise BadFrame("data is not JSON") from None
        # The published raw walk-through sends the stringified operation without naming the action:
        # an absent action means the only one there is.
        if not isinstance(request, dict) or request.get("action", ACTION) != ACTION:
            raise BadFrame("not an execute action")
        query, operation_name = request.get("query"), request.get("operationName")
        variables = _variables(request.get("variables"))
        if not isinstance(query, str) or not query.strip():
            await self._message(identifier, _request_error("No query was sent."), more=False)
            return
        if variables is None or not isinstance(operation_name, str | None):
            await self._message(identifier, _request_error("variables must be an object and operationName a string."),
                                more=False)
            return
        decision = await spend_request_budget(self.session.viewer)
        if not decision.allowed:
            await self._message(identifier, {"data": None, "errors": [rate_limited(decision.retry_after).formatted]},
                                more=False)
            return
        if operation_type(query, operation_name) in (OperationType.QUERY, OperationType.MUTATION):
            operation = self._execute(identifier, query, variables, operation_name)
        else:  # a subscription, or a document the schema will refuse with its own errors
            operation = self._stream(identifier, query, variables, operation_name)
        tasks = self.channels.get(identifier)
        if tasks is None:  # unsubscribed while the budget was checked
            operation.close()
            return
        task = asyncio.create_task(self._guarded(identifier, operation))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def _execute(self, identifier: str, query: str, variables: dict[str, Any], name: str | None) -> None:
        result = await execute_off_loop(self.schema, query, variables, self.context, name)
        await self._message(identifier, _result(result), more=False)

    async def _stream(self, identifier: str, query: str, variables: dict[str, Any], name: str | None) -> None:
        results = await self.schema.subscribe(query, variables, self.context, operation_name=name)
        async with aclosing(results):
            async for result in results:
                disconnect = disconnect_in(result)
                if disconnect is not None:
                    self.drop(disconnect)
                    return
                final = _is_final(result)
                await self._message(identifier, _result(result), more=not final)
                if final:
                    return
        await self.transmit({"identifier": identifier, "message": {"more": False}})

    async def _guarded(self, identifier: str, operation: Coroutine[Any, Any, None]) -> None:
        try:
            await operation
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if isinstance(error, GraphQLError) and error.original_error is None:
                # A document that does not parse is refused while it is prepared, before any result.
                errors = [error.formatted]
            else:  # the formatter masks resolver errors; this is the net under it
                error_id = new_error_id()
                logger.error("unexpected error %s in an ActionCable operation", error_id, exc_info=error)
                errors = [GraphQLError(f"Internal error (id {error_id}).", extensions={
                    "code": ErrorCode.INTERNAL.value, "error_id": error_id}).formatted]
            await self._message(identifier, {"data": None, "errors": errors}, more=False)


# Tasks in flight that nothing else holds: the event loop keeps only weak references to tasks.
_tasks: set[asyncio.Task] = set()


def _background(coroutine: Coroutine[Any, Any, None]) -> None:
    task = asyncio.create_task(coroutine)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
