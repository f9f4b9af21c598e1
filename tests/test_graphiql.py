"""GraphiQL works offline: the page references only assets this server serves."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from schema.graphiql import ASSETS
from tests.waiting import wait_for_http

REFERENCE = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def _page() -> str:
    response = Client().get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_and_every_asset_it_references_load_from_this_server():
    page = _page()
    references = REFERENCE.findall(page)
    assert len(references) == len(ASSETS)  # each packaged asset is used, nothing else
    for url in references:
        assert url.startswith("/graphiql/"), f"{url} is not served by this server"
        response = Client().get(url)
        assert response.status_code == 200, url
        expected = "text/css" if url.endswith(".css") else "text/javascript"
        assert response["Content-Type"].startswith(expected)
        assert len(response.content) > 1000, url
    assert "https://" not in page and "http://" not in page  # no CDN, no third-party origin


def test_the_page_wires_graphiql_to_this_api():
    page = _page()
    assert "GraphiQL.createFetcher" in page and "graphqlWs.createClient" in page
    assert '"/subscriptions"' in page


@pytest.mark.parametrize("name", ["../settings.py", "graphiql.min.js.map", "%2e%2e%2fapps.py", "x"])
def test_only_the_listed_assets_are_served(name):
    assert Client().get(f"/graphiql/{name}").status_code == 404


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (Debian package chromium)")
def test_graphiql_renders_in_a_headless_browser_without_internet(tmp_path):
    """A real browser renders the IDE from a live server; its network is this server alone."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "REDIS_URL": ""}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([str(Path(sys.executable).with_name("uvicorn")), "config.asgi:application",
                               "--port", str(port), "--log-level", "warning"],
                              cwd=Path(__file__).resolve().parents[1], env=env)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/health")
        dom = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             # Only this server is reachable: a CDN reference would fail to load and leave "Loading…".
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", "--dump-dom",
             f"http://127.0.0.1:{port}/graphql"],
            capture_output=True, text=True, timeout=90, check=True).stdout
    finally:
        server.terminate()
        server.wait(10)
    assert "Loading…" not in dom
    assert "graphiql-editor" in dom and "graphiql-toolbar-button" in dom
