"""What every WebSocket transport does the same way with the operations a client starts.

Kept out of the transports so that ``graphql_ws`` and ``actioncable`` cannot drift apart
on how a query or mutation runs, how the per-key budget refuses, which results mean
"close the socket", and how a stalled connection is cut.
"""

from __future__ import annotations

import functools
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from graphql import GraphQLError, GraphQLSyntaxError, OperationType, parse
from graphql.utilities import get_operation_ast
from strawberry.types.execution import ExecutionResult

from apps.core.errors import ErrorCode
from schema.realtime.disconnects import Disconnect


def disconnect_in(result: Any) -> Disconnect | None:
    """The ``Disconnect`` a subscription ended with, if this result carries one."""
    for error in getattr(result, "errors", None) or ():
        if isinstance(error, Disconnect):
            return error
    return None


@functools.lru_cache(maxsize=256)
def operation_type(query: str, operation_name: str | None) -> OperationType | None:
    """The type of the operation ``operation_name`` picks in ``query`` (None when it cannot be told)."""
    try:
        operation = get_operation_ast(parse(query), operation_name)
    except GraphQLSyntaxError:
        return None
    return operation.operation if operation is not None else None


def _execute(schema: Any, query: str, variables: Any, context: Any, operation_name: str | None) -> ExecutionResult:
    try:
        return schema.execute_sync(query, variable_values=variables, context_value=context,
                                   operation_name=operation_name)
    finally:
        close_old_connections()  # like the end of an HTTP request


async def execute_off_loop(schema: Any, query: str, variables: Any, context: Any,
                           operation_name: str | None) -> ExecutionResult:
    """Runs a query or mutation like an HTTP request does: synchronously, on a worker thread.

    Their resolvers are synchronous ORM code; on the event loop they fail with "You cannot
    call this from an async context".
    """
    return await sync_to_async(_execute, thread_sensitive=False)(schema, query, variables, context, operation_name)


def rate_limited(retry_after: int) -> GraphQLError:
    """The error an operation gets when its key (or session) spent its per-second budget."""
    limit = settings.RATE_LIMIT_API_KEY_PER_SECOND
    return GraphQLError(f"Rate limit exceeded: {limit} requests per second.",
                        extensions={"code": ErrorCode.RATE_LIMITED, "retry_after": retry_after})


def abort(send: Any) -> None:
    """Cuts the TCP connection under an ASGI ``send``, when the server exposes it (uvicorn does).

    uvicorn waits for its write buffer to drain before passing on any message, a close
    included, and its own ping timeout only closes the transport gracefully, which also
    waits for that buffer. A client that stopped reading would keep the connection and its
    buffers forever; aborting is the only way left to free them.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    abort_transport = getattr(transport, "abort", None)  # asyncio's and uvloop's transports alike
    if callable(abort_transport):
        abort_transport()
