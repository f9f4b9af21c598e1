"""The ASGI ``lifespan`` protocol: what the realtime side does when the server stops."""

from __future__ import annotations

from typing import Any

from schema.realtime.hub import stop_hub


async def lifespan(scope: dict, receive: Any, send: Any) -> None:
    """Answers start-up at once; at shutdown stops this process's subscription hub.

    The server cancels every task left on its event loop and waits for them before it exits;
    the hub's channel-layer read does not always end on a cancel alone (see ``Hub.stop``), so
    it is stopped here first and the process exits within its grace period.
    """
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await stop_hub()
            await send({"type": "lifespan.shutdown.complete"})
            return
