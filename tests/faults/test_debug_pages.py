"""With DEBUG on (as ``make serve`` runs), the API never answers with Django's technical page:
errors that escape a view are the API's JSON with an error id, and the traceback is logged."""

from __future__ import annotations

import json
import logging
import os

import httpx
import pytest
from django.test import Client

from tests.faults import db_cluster

SECRET = "redis://:hunter2-in-clear@cache.internal:6379/0"


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    settings.REDIS_URL = SECRET  # what the technical page used to print
    return settings


def test_an_exception_escaping_the_graphql_view_is_json_with_an_error_id(debug, monkeypatch, caplog):
    import schema.views

    def explode(header):
        raise RuntimeError(f"cannot reach {SECRET}")

    monkeypatch.setattr(schema.views, "viewer_for_credential", explode)
    with caplog.at_level(logging.ERROR, logger="careplatform.http"):
        response = Client(raise_request_exception=False).post(
            "/graphql", data=json.dumps({"query": "{ currentUser { id } }"}), content_type="application/json",
            headers={"Authorization": "Basic cp_x", "Accept": "application/graphql-response+json"})
    assert response.status_code == 500
    assert response["Content-Type"] == "application/graphql-response+json; charset=utf-8"
    [error] = response.json()["errors"]
    error_id = error["extensions"]["error_id"]
    assert error == {"message": f"Internal error (id {error_id}).",
                     "extensions": {"code": "INTERNAL", "error_id": error_id}}
    text = response.content.decode()
    assert "hunter2" not in text and "Traceback" not in text and "SECRET_KEY" not in text
    [logged] = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged.exc_info is not None and "hunter2" in str(logged.exc_info[1])  # the server keeps the detail


def test_an_exception_in_any_other_view_is_json_too(debug, monkeypatch):
    import apps.core.views

    def explode():
        raise ValueError(SECRET)

    monkeypatch.setattr(apps.core.views, "readiness_checks", explode)
    response = Client(raise_request_exception=False).get("/readyz")
    assert response.status_code == 500
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL"
    assert "hunter2" not in response.content.decode()


def test_a_technical_page_django_still_renders_lists_no_settings(debug):
    """Errors raised before any view (a Host header not in ALLOWED_HOSTS) are rendered by Django
    itself under DEBUG; that page no longer lists settings or their values."""
    response = Client(raise_request_exception=False).post(
        "/graphql", data="{}", content_type="application/json", HTTP_HOST="evil.example")
    assert response.status_code == 400
    text = response.content.decode()
    assert "hunter2" not in text
    assert "SECRET_KEY" not in text and debug.SECRET_KEY not in text
    assert "INSTALLED_APPS" not in text


def test_make_serve_debug_mode_answers_a_database_failure_with_json(tmp_path):
    """A real uvicorn with DEBUG=1 whose database lost its tables (an unmigrated SQLite file):
    the credential lookup fails inside the view, the client gets JSON, not the technical page."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "REDIS_URL": "",
           "DEBUG": "1", "LOG_LEVEL": "WARNING", "SECRET_KEY": "debug-page-secret-" + "x" * 40}
    server, base = db_cluster.start_server(env, log=tmp_path / "server.log")
    try:
        response = httpx.post(f"{base}/graphql", json={"query": "{ currentUser { id } }"},
                              headers={"Authorization": "Basic cp_x", "AuthorizationSource": "API",
                                       "Accept": "text/html,application/json"}, timeout=10)
    finally:
        db_cluster.stop_server(server)
    assert response.headers["content-type"].startswith("application/json"), response.text[:300]
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "debug-page-secret" not in response.text and "Traceback" not in response.text
    assert "no such table" in (tmp_path / "server.log").read_text()  # logged for the operator
