"""A graphql-transport-ws client over a real WebSocket (the ``websockets`` package), for the drills."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import websockets

from tests.faults.live import LiveServer

USER_UPDATED = "subscription($id: ID) { userUpdatedSubscription(id: $id) { id first_name } }"
UPDATE_CLIENT = ("mutation($input: updateClientInput) { updateClient(input: $input) "
                 "{ messages { field message } } }")


async def connect(server: LiveServer, key: str, **options: Any) -> Any:
    ws = await websockets.connect(f"{server.ws}/subscriptions?token={key}", subprotocols=["graphql-transport-ws"],
                                  open_timeout=5, ping_interval=None, **options)
    await ws.send(json.dumps({"type": "connection_init"}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "connection_ack"}
    return ws


async def subscribe(ws: Any, user_id: int, operation_id: str = "1", query: str = USER_UPDATED) -> None:
    await ws.send(json.dumps({"id": operation_id, "type": "subscribe",
                              "payload": {"query": query, "variables": {"id": str(user_id)}}}))


async def closed(ws: Any, timeout: float) -> tuple[int | None, str, list[Any]]:
    """Reads until the server closes the socket: (close code, reason, messages read before it)."""
    messages: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            messages.append(json.loads(await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic()))))
    except websockets.ConnectionClosed as closure:
        frame = closure.rcvd
        return (frame.code if frame else None), (frame.reason if frame else ""), messages
    except TimeoutError:
        raise AssertionError(f"the server did not close the socket within {timeout}s; read {messages[-3:]}") from None


async def update_until_delivered(server: LiveServer, key: str, ws: Any, user_id: int, label: str,
                                 timeout: float) -> dict[str, Any]:
    """Updates the user until its subscription delivers the change (nothing says when a join landed)."""
    deadline = time.monotonic() + timeout
    attempt = 0
    while time.monotonic() < deadline:
        attempt += 1
        name = f"{label}{attempt}"
        response = await asyncio.to_thread(server.graphql, UPDATE_CLIENT,
                                           {"input": {"id": str(user_id), "first_name": name}}, key=key)
        assert response.json() == {"data": {"updateClient": {"messages": []}}}, response.text
        try:
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 0.7))
                if message["type"] == "next" and message["payload"]["data"]["userUpdatedSubscription"][
                        "first_name"] == name:
                    return message
        except TimeoutError:
            continue
    raise AssertionError(f"no event for user {user_id} within {timeout}s")


class Reader:
    """Keeps reading a socket in the background, as a well-behaved client does."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.names: list[str] = []
        self._task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            if message["type"] == "next":
                self.names.append(message["payload"]["data"]["userUpdatedSubscription"]["first_name"])

    async def update_until_delivered(self, server: LiveServer, key: str, user_id: int, label: str,
                                     timeout: float) -> None:
        deadline = time.monotonic() + timeout
        attempt = 0
        while time.monotonic() < deadline:
            attempt += 1
            name = f"{label}{attempt}"
            response = await asyncio.to_thread(server.graphql, UPDATE_CLIENT,
                                               {"input": {"id": str(user_id), "first_name": name}}, key=key)
            assert response.json() == {"data": {"updateClient": {"messages": []}}}, response.text
            for _ in range(7):
                if name in self.names:
                    return
                assert not self._task.done(), self._task.exception() if not self._task.cancelled() else "cancelled"
                await asyncio.sleep(0.1)
        raise AssertionError(f"no event for user {user_id} within {timeout}s")

    async def close(self) -> None:
        await self.ws.close()
        await self._task
