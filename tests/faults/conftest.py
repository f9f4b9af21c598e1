"""Fixtures of the fault drills (helpers in ``tests.faults.live``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.live import REDIS_SERVER, LiveServer, RedisServer, free_port, start_server


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    if REDIS_SERVER is None:
        pytest.skip("fault drills start their own redis-server")
    server = RedisServer(free_port())
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def live_server_factory(tmp_path: Path) -> Iterator[Any]:
    servers: list[LiveServer] = []

    def start(redis: RedisServer, **env: str) -> LiveServer:
        server = start_server(tmp_path, redis, **env)
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()
