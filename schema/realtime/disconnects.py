"""Why a subscription socket is closed by the server, and with which WebSocket close code.

A subscription that cannot go on raises one of these out of its resolver (``watch``).
They are GraphQL errors so that they travel through the execution like any other, but
no transport sends them as an error message: a transport closes the socket with
``close_code`` instead, because every GraphQL WebSocket client library reconnects (and
re-subscribes) on these codes, while an error message would end the subscription for
good. The codes are documented in docs/subscriptions.md and docs/operations.md.
"""

from __future__ import annotations

from graphql import GraphQLError

from apps.core.errors import ErrorCode

# RFC 6455 "Try Again Later". graphql-ws (and Apollo's GraphQLWsLink on top of it) retries it;
# 1011 "Internal Error" would be a fatal close for those clients, and 4500 is too.
TRY_AGAIN_LATER = 1013
# The client did not keep up with its events (or stopped reading altogether).
FELL_BEHIND = 4008


class Disconnect(GraphQLError):
    close_code: int
    reason: str
    error_code: str

    def __init__(self) -> None:
        super().__init__(self.reason, extensions={"code": self.error_code})


class LayerUnavailable(Disconnect):
    """The channel layer (Redis) cannot be reached: nothing could be delivered on this socket."""

    close_code = TRY_AGAIN_LATER
    reason = "Subscriptions are temporarily unavailable; reconnect shortly."
    error_code = ErrorCode.SERVICE_UNAVAILABLE


class FellBehind(Disconnect):
    """More events are waiting for this subscriber than ``SUBSCRIPTION_QUEUE_LIMIT``, or a send
    to it blocked longer than ``SUBSCRIPTION_SEND_TIMEOUT_SECONDS``."""

    close_code = FELL_BEHIND
    reason = "The client fell behind on its events; reconnect and query what changed."
    error_code = ErrorCode.FELL_BEHIND
