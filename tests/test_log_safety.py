"""No credential reaches a server log: a real uvicorn process, HTTP and WebSocket with ``?token=``;
a WebSocket to an unknown path is declined (403), not a 500 with a traceback."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import websockets

from apps.core.logsafety import REDACTED, RedactSecrets, redact

ROOT = Path(__file__).resolve().parents[1]
UVICORN = Path(sys.executable).with_name("uvicorn")
SECRET = "cp_live_secret_value_123"


@pytest.mark.parametrize("raw, expected", [
    (f"/subscriptions?token={SECRET}", f"/subscriptions?token={REDACTED}"),
    (f"/x?a=1&TOKEN={SECRET}&b=2", f"/x?a=1&TOKEN={REDACTED}&b=2"),
    (f"/x?api_key={SECRET}#frag", f"/x?api_key={REDACTED}#frag"),
    ("/x?tokens=1&notoken=2", "/x?tokens=1&notoken=2"),
    (f"/set_password?signup_token={SECRET}", f"/set_password?signup_token={REDACTED}"),  # invitation links
])
def test_redact(raw, expected):
    assert redact(raw) == expected


def test_the_filter_rewrites_arguments_before_formatting():
    record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, '%s - "WebSocket %s" [accepted]',
                               ("127.0.0.1:5000", f"/subscriptions?token={SECRET}"), None)
    RedactSecrets().filter(record)
    assert SECRET not in record.getMessage()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_live_server_logs_no_token(tmp_path):
    # No migrations needed: the credential is refused (or fails) after uvicorn logged the request line.
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "REDIS_URL": "",
           "LOG_LEVEL": "INFO"}
    port = _free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(UVICORN), "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
             "--log-level", "info"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/api/health?token={SECRET}", timeout=1)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)

            async def handshake() -> None:
                url = f"ws://127.0.0.1:{port}/subscriptions?token={SECRET}"
                try:
                    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as socket_:
                        await socket_.send('{"type":"connection_init"}')
                        await asyncio.wait_for(socket_.recv(), 2)
                except (websockets.ConnectionClosed, websockets.InvalidStatus, TimeoutError):
                    pass  # an unknown key is refused; the handshake was still logged

            asyncio.run(handshake())
            # An invitation link, as set_password_link and the welcome e-mail lead to (no database needed).
            assert httpx.get(f"http://127.0.0.1:{port}/set_password?signup_token={SECRET}").status_code == 200

            async def wrong_path() -> int:
                try:
                    async with websockets.connect(f"ws://127.0.0.1:{port}/graphql?token={SECRET}"):
                        return 101
                except websockets.InvalidStatus as refused:
                    return refused.response.status_code

            assert asyncio.run(wrong_path()) == 403  # declined, not a 500 with a traceback
            time.sleep(0.5)  # let the server flush the access lines of both requests
        finally:
            server.terminate()
            server.wait(10)
    text = log_path.read_text()
    assert "/api/health?token=[redacted]" in text  # the line is there, without the secret
    assert "/subscriptions?token=[redacted]" in text
    assert "/set_password?signup_token=[redacted]" in text
    assert SECRET not in text
    assert '"WebSocket /graphql?token=[redacted]" 403' in text
    assert "No route found" not in text  # the router used to raise (a 500 and a traceback)
