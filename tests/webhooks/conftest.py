from __future__ import annotations

import pytest

from tests import factories
from tests.conftest import data_of
from tests.webhooks import receiver as receiver_module

CREATE = """
mutation($input: createWebhookInput) {
  createWebhook(input: $input) {
    webhook { id url is_enabled should_retry signature_secret event_type webhook_events { id event_type } }
    messages { field message }
  }
}"""


@pytest.fixture
def receiver():
    r = receiver_module.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def loopback_allowed(settings):
    """Local receivers are plain http on 127.0.0.1: allowed only through the documented settings."""
    settings.WEBHOOK_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_ALLOW_HTTP = True
    return settings


@pytest.fixture
def developer(world):
    return factories.member(world.org, first_name="Dev", is_developer=True)


@pytest.fixture
def dev_key(developer) -> str:
    return factories.api_key(developer)


def create_webhook(gql, key: str, url: str, events: list[str], **extra) -> dict:
    variables = {"input": {"url": url, "webhook_events": [{"event_type": e} for e in events], **extra}}
    payload = data_of(gql(CREATE, variables, key=key))["createWebhook"]
    assert payload["messages"] == [], payload["messages"]
    return payload["webhook"]


UPDATE_CLIENT = """
mutation($input: updateClientInput) { updateClient(input: $input) { user { id } messages { field message } } }"""


def update_client(gql, key: str, user_id: int, **values) -> None:
    result = data_of(gql(UPDATE_CLIENT, {"input": {"id": str(user_id), **values}}, key=key))["updateClient"]
    assert result["messages"] == [], result["messages"]
