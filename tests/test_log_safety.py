"""No credential reaches a server log: a real uvicorn process, HTTP and WebSocket with ``?token=``;
a WebSocket to an unknown path is declined (403), not a 500 with a traceback."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import websockets

from apps.core.logsafety import REDACTED, RedactSecrets, redact
from tests.waiting import wait_for_http, wait_until

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


LOGGED = ("/api/health?token=[redacted]", "/subscriptions?token=[redacted]",
          '"WebSocket /graphql?token=[redacted]" 403', "/set_password?signup_token=[redacted]")


def test_a_live_server_logs_no_token(tmp_path):
    # No migrations needed: uvicorn logs each request line whatever the app then does with it.
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "REDIS_URL": "",
           "LOG_LEVEL": "INFO"}
    port = _free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(UVICORN), "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
             "--log-level", "info"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_http(f"http://127.0.0.1:{port}/api/health?token={SECRET}")

            async def handshake() -> str | None:
                url = f"ws://127.0.0.1:{port}/subscriptions?token={SECRET}"
                async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as socket_:
                    return socket_.subprotocol

            # The handshake is accepted (credentials are read at connection_init, not sent here), so
            # uvicorn logs its request line with the token.
            assert asyncio.run(handshake()) == "graphql-transport-ws"
            # An invitation link, as set_password_link and the welcome e-mail lead to (no database needed).
            assert httpx.get(f"http://127.0.0.1:{port}/set_password?signup_token={SECRET}").status_code == 200

            async def wrong_path() -> int:
                try:
                    async with websockets.connect(f"ws://127.0.0.1:{port}/graphql?token={SECRET}"):
                        return 101
                except websockets.InvalidStatus as refused:
                    return refused.response.status_code

            assert asyncio.run(wrong_path()) == 403  # declined, not a 500 with a traceback
            # uvicorn may log a line just after answering; every line this test reads must be there.
            wait_until(lambda: all(line in log_path.read_text() for line in LOGGED), timeout=10,
                       what="the server to log both requests")
        finally:
            server.terminate()
            server.wait(10)
    text = log_path.read_text()
    assert all(line in text for line in LOGGED)  # the lines are there, without the secret
    assert SECRET not in text
    assert "No route found" not in text  # the router used to raise (a 500 and a traceback)
