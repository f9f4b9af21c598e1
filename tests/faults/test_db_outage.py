"""Database down or restarting: 503 SERVICE_UNAVAILABLE with Retry-After, never a 500 or INTERNAL.

The first tests inject the driver's ``OperationalError`` at the connection layer (the error
PostgreSQL gives while it shuts down or starts up); the last one restarts a private
PostgreSQL under load behind a real uvicorn process.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter

import httpx
import pytest
from django.db import OperationalError, connection

from apps.accounts.viewer import Viewer
from apps.events.models import Event
from tests.faults import db_cluster
from tests.webhooks import receiver as receiver_module
from webhooks import services
from webhooks.inputs import WebhookInput
from webhooks.models import Delivery

UPDATE = """mutation($input: updateClientInput) { updateClient(input: $input) {
  user { id first_name } messages { field message } } }"""
SHUTTING_DOWN = "terminating connection due to administrator command: the database system is shutting down"


def fail_when(predicate):
    """A ``connection.execute_wrapper`` raising what Django raises when PostgreSQL goes away."""

    def wrapper(execute, sql, params, many, context):
        if predicate(sql):
            raise OperationalError(SHUTTING_DOWN)
        return execute(sql, params, many, context)

    return wrapper


def assert_unavailable(response, media_type: str = "application/json") -> dict:
    assert response.status_code == 503, response.content[:500]
    assert response["Content-Type"] == f"{media_type}; charset=utf-8"
    assert response["Retry-After"] == "2"
    body = response.json()
    [error] = body["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert error["extensions"]["retry_after"] == 2 and len(error["extensions"]["error_id"]) == 12
    assert error["message"] == "The service is temporarily unavailable; retry after a few seconds."
    assert "Traceback" not in response.content.decode() and "shutting down" not in response.content.decode()
    return body


@pytest.mark.django_db
def test_the_credential_lookup_failing_answers_503(gql, keys, caplog):
    with caplog.at_level(logging.WARNING), connection.execute_wrapper(fail_when(lambda sql: True)):
        response = gql.raw("{ currentUser { id } }", key=keys["provider"])
    body = assert_unavailable(response)
    assert "data" not in body  # refused before execution: nothing ran
    error_id = body["errors"][0]["extensions"]["error_id"]
    assert any(error_id in r.getMessage() and "shutting down" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_the_credential_lookup_failing_answers_503_in_the_graphql_response_media_type(gql, keys):
    with connection.execute_wrapper(fail_when(lambda sql: True)):
        response = gql.raw("{ currentUser { id } }", key=keys["provider"],
                           headers={"Accept": "application/graphql-response+json"})
    assert_unavailable(response, "application/graphql-response+json")


@pytest.mark.django_db
def test_a_query_losing_the_database_during_execution_answers_503(gql, keys):
    # The credential lookup passes; the resolver's read fails.
    with connection.execute_wrapper(fail_when(lambda sql: '"accounts_organization"' in sql and "SELECT" in sql)):
        response = gql.raw("{ currentUser { id organization { name } } }", key=keys["provider"])
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["SERVICE_UNAVAILABLE"]


@pytest.mark.django_db
def test_a_mutation_failing_in_its_outbox_write_answers_503_and_writes_nothing(gql, keys, world, settings):
    settings.WEBHOOK_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_ALLOW_HTTP = True
    receiver = receiver_module.start()
    try:
        services.webhook_create(Viewer(user=world.owner),
                                data=WebhookInput(url=receiver.url("/h"), event_type="patient.updated"))
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
    patient = world.patients[0]
    before = (Event.objects.count(), Delivery.objects.count(), patient.first_name)
    with connection.execute_wrapper(fail_when(lambda sql: sql.startswith('INSERT INTO "webhooks_delivery"'))):
        response = gql.raw(UPDATE, {"input": {"id": str(patient.pk), "first_name": "Half"}}, key=keys["provider"])
    body = assert_unavailable(response)
    assert body["data"] is None  # updateClient is non-null: the error nulls the whole result
    assert body["errors"][0]["path"] == ["updateClient"]
    patient.refresh_from_db()
    assert (Event.objects.count(), Delivery.objects.count(), patient.first_name) == before


# ---- a real PostgreSQL restart under load --------------------------------------------------

QUERY = json.dumps({"query": "{ currentUser { id first_name } }"})


def test_postgresql_restarting_under_load_answers_503_then_recovers(tmp_path):
    """PostgreSQL stopped, then restarted (``pg_ctl restart -m fast``) while ~40 requests per
    second arrive on a pooled connection (``DATABASE_CONN_MAX_AGE``), with ``DEBUG=1`` as ``make
    serve`` runs: only 200s and JSON 503s, and 200s again without restarting the server."""
    cluster = db_cluster.shared()
    cluster.database("outage_restart")
    key, _ = cluster.seeded
    server = None
    try:
        server, base = db_cluster.start_server(cluster.env("outage_restart", DEBUG="1", DATABASE_CONN_MAX_AGE="60"),
                                               log=tmp_path / "server.log")
        headers = {"Authorization": f"Basic {key}", "AuthorizationSource": "API",
                   "Content-Type": "application/json"}
        seen: list[tuple[float, int, str, str]] = []
        stop = threading.Event()

        def load() -> None:
            with httpx.Client(base_url=base, timeout=10) as client:
                while not stop.is_set():
                    response = client.post("/graphql", content=QUERY, headers=headers)
                    seen.append((time.monotonic(), response.status_code, response.headers.get("content-type", ""),
                                 response.text))
                    time.sleep(0.05)

        def ok_now() -> bool:
            return httpx.post(f"{base}/graphql", content=QUERY, headers=headers, timeout=10).status_code == 200

        assert ok_now()
        # Stopped: every request (credential lookup included) is a 503, deterministically.
        cluster.stop()
        down = httpx.post(f"{base}/graphql", content=QUERY, headers=headers, timeout=10)
        assert down.status_code == 503, down.text[:500]
        assert down.headers["retry-after"] == "2"
        assert down.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        cluster.start()
        threads = [threading.Thread(target=load) for _ in range(2)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(1.0)
            cluster.restart()
            restarted_at = time.monotonic()
            deadline = restarted_at + 10
            while time.monotonic() < deadline and not any(t > restarted_at and s == 200 for t, s, _, _ in seen):
                time.sleep(0.1)
            time.sleep(0.5)
        finally:
            stop.set()
            for thread in threads:
                thread.join(15)
        statuses = Counter(status for _, status, _, _ in seen)
        assert set(statuses) <= {200, 503}, statuses
        for _, status, content_type, text in seen:
            assert content_type.startswith("application/json"), text[:300]
            assert "Traceback" not in text and "INTERNAL" not in text
            if status == 503:
                assert json.loads(text)["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        recovered = [s for t, s, _, _ in seen if t > restarted_at]
        assert 200 in recovered, statuses  # recovery without restarting the server
        assert ok_now()
    finally:
        if server is not None:
            db_cluster.stop_server(server)
        cluster.start()  # for the next test, whatever happened here
