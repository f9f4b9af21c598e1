"""Real time: GraphQL subscriptions over WebSocket at ``/subscriptions``.

Modules:

- ``routing``: the ASGI app ``config/asgi.py`` mounts; picks the transport by subprotocol.
- ``transports/``: one module per wire protocol. ``graphql_ws`` serves
  ``graphql-transport-ws`` and the legacy ``graphql-ws`` (Strawberry's consumer);
  ``actioncable`` serves ``actioncable-v1-json`` (``@rails/actioncable`` + ``ActionCableLink``).
- ``operations``: what every transport does alike with an operation: queries and mutations
  off the event loop, the rate-limit error, spotting a ``Disconnect``, cutting a stalled socket.
- ``session``: transport-neutral authentication: credential from ``?token=`` or an init
  payload, the ``Viewer``, the periodic re-check that reports a revoked credential,
  ``SocketContext`` (the GraphQL context of a socket) and ``run_db``.
- ``watch``: what domain subscriptions (``schema/<domain>/subscriptions.py``) are written
  with: authorize at subscribe time, listen through the hub, filter thin events, re-read
  through the viewer's selector.
- ``hub``: one channel-layer membership per process and group (re-joined after the layer
  fails), a bounded ``Inbox`` per subscription; ``SharedReads``.
- ``disconnects``: the close codes a subscription ends with (1013, 4008).
- ``fanout``: one GraphQL execution per event for sockets whose result cannot differ.
- ``groups``: group names, shared with the publisher (``apps.events.groups``).

The seam every transport uses (``actioncable`` was written against it): a transport owns
only its framing. Everything a subscription needs happens below the
GraphQL execution, so a transport that runs operations through the schema gets it as is:

1. On connect, ``Session.open(scope["query_string"], init_payload_or_None)``; ``None``
   means refuse (ActionCable: ``{"type":"disconnect","reason":"unauthorized",
   "reconnect":false}``, then close). Otherwise ``session.watch_credential(callback)``
   with a callback that refuses the same way, and ``session.end()`` on disconnect.
2. Each operation runs with ``SocketContext(request=None, response=None,
   viewer=session.viewer, ws=<consumer>)`` against the schema ``routing`` builds
   (``fanout.sharing_schema``): ``await schema.subscribe(query, variables, context,
   operation_name=...)`` yields one ``ExecutionResult`` per event. Subscription
   resolvers (``watch``) authorize, listen on the hub, re-read and share reads; the
   sharing execution context shares executions. Nothing of this is per transport.
3. Errors are already in the result, formatted once: ``watch`` raises domain errors as
   ``schema.errors.graphql_error`` (with ``extensions.code``), so
   ``[e.formatted for e in result.errors]`` is identical on every transport. ActionCable
   wraps ``{"data": ..., "errors": [...]}`` as ``{"identifier": ..., "message":
   {"result": ..., "more": true}}``. One kind of error is never sent as such: a
   ``schema.realtime.disconnects.Disconnect`` (channel layer unavailable, client fell
   behind) means "close the socket so the client reconnects" (graphql-ws: close with its
   ``close_code``; ActionCable: ``{"type":"disconnect","reconnect":true}``).
5. Each operation a client starts spends ``session.spend_request_budget(viewer)``; queries
   and mutations run synchronously off the event loop, like HTTP requests.
4. Register the transport's subprotocol(s) in ``routing.websocket_application``. Send
   through a bounded send (``SUBSCRIPTION_SEND_TIMEOUT_SECONDS``), as ``graphql_ws`` does.
"""
