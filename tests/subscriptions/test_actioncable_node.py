"""The real ``@rails/actioncable`` consumer with graphql-ruby-client's ``ActionCableLink`` (under Apollo
Client, the setup the published docs give) receives an event from a live server.

Runs tests/actioncable_node/subscribe.mjs under Node with the packages of its package-lock.json,
installed once with ``npm ci`` (the npm cache first); without Node and npm, or when the packages
cannot be installed (offline with an empty npm cache), the test is skipped with that reason.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests import factories
from tests.faults.live import start_server

NODE_PROJECT = Path(__file__).resolve().parents[1] / "actioncable_node"

pytestmark = pytest.mark.django_db(transaction=True)


class _NoRedis:
    """``start_server`` takes a Redis; this test's single server process uses the configured one
    (or, without REDIS_URL, the in-memory layer)."""

    url = settings.REDIS_URL or ""


@pytest.fixture(scope="module")
def node_project(tmp_path_factory) -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are not installed: the ActionCable client test needs Node.js 20 or later")
    folder = tmp_path_factory.mktemp("actioncable-node")
    for name in ("package.json", "package-lock.json", "subscribe.mjs"):
        shutil.copy(NODE_PROJECT / name, folder / name)
    installed = subprocess.run([npm, "ci", "--prefer-offline", "--no-audit", "--no-fund"], cwd=folder,
                               capture_output=True, text=True, timeout=300)
    if installed.returncode != 0:
        pytest.skip(f"npm could not install tests/actioncable_node/package-lock.json (offline with an empty npm "
                    f"cache?): {installed.stderr.strip()[-300:]}")
    return folder


def test_the_rails_consumer_with_actioncablelink_receives_an_event(node_project, tmp_path):
    world = factories.world("Cable Node")
    patient = world.patients[0]
    key = factories.api_key(world.provider)
    server = start_server(tmp_path, _NoRedis())
    try:
        env = {"PATH": str(Path(shutil.which("node")).parent), "GRAPHQL_URL": f"{server.http}/graphql",
               "WS_URL": f"{server.ws}/subscriptions?token={key}", "API_KEY": key, "USER_ID": str(patient.pk)}
        completed = subprocess.run([shutil.which("node"), "subscribe.mjs"], cwd=node_project, env=env,
                                   capture_output=True, text=True, timeout=60)
    finally:
        server.stop()
    assert completed.returncode == 0, f"{completed.stdout}\n{completed.stderr}\n{server.log_text()[-2000:]}"
    event = json.loads(completed.stdout.strip().splitlines()[-1])["userUpdatedSubscription"]
    # Apollo asked for __typename in every selection set; the server answered it.
    assert event["__typename"] == "User" and event["id"] == str(patient.pk)
    assert event["first_name"].startswith("Cable") and event["organization"] == {
        "__typename": "Organization", "id": str(world.org.pk)}
