"""Webhook management over the real GraphQL HTTP endpoint."""

from __future__ import annotations

import pytest

from apps.core.crypto import decrypt
from apps.events.models import Event
from tests import factories
from tests.conftest import data_of, error_codes
from tests.webhooks.conftest import CREATE, create_webhook
from webhooks.models import Attempt, Delivery, Webhook, WebhookEvent

pytestmark = pytest.mark.django_db

WEBHOOKS = """
query($offset: Int, $page_size: Int, $after: String) {
  webhooks(offset: $offset, page_size: $page_size, after: $after) {
    id url cursor is_enabled signature_secret webhook_events { event_type retry_count }
  }
  webhooksCount
}"""
UPDATE = """
mutation($input: updateWebhookInput) {
  updateWebhook(input: $input) {
    webhook { id url is_enabled should_retry webhook_events { event_type } }
    messages { field message code }
  }
}"""
DELETE = """
mutation($input: deleteWebhookInput) {
  deleteWebhook(input: $input) { webhook { id } messages { field message code } }
}"""
EXPIRE = """
mutation($input: expireWebhookSignatureInput) {
  expireWebhookSignature(input: $input) { webhook { id signature_secret } messages { field message code } }
}"""


def test_developer_registers_a_webhook_with_several_events(gql, dev_key, loopback_allowed):
    webhook = create_webhook(gql, dev_key, "http://127.0.0.1:9/hooks", ["patient.updated", "patient.created"])
    assert webhook["url"] == "http://127.0.0.1:9/hooks"
    assert webhook["is_enabled"] is True and webhook["should_retry"] is True
    assert sorted(e["event_type"] for e in webhook["webhook_events"]) == ["patient.created", "patient.updated"]
    assert webhook["event_type"] is None  # more than one type
    secret = webhook["signature_secret"]
    assert secret.startswith("whsec_")
    row = Webhook.objects.get(pk=webhook["id"])
    assert secret not in row.secret_encrypted  # encrypted at rest
    assert decrypt(row.secret_encrypted) == secret


def test_owner_may_manage_but_plain_members_and_patients_may_not(gql, keys, loopback_allowed):
    variables = {"input": {"url": "http://127.0.0.1:9/x", "webhook_events": [{"event_type": "patient.created"}]}}
    for who in ("provider", "staff", "patient"):
        result = gql(CREATE, variables, key=keys[who])
        assert error_codes(result) == ["FORBIDDEN"], who
    assert data_of(gql(CREATE, variables, key=keys["owner"]))["createWebhook"]["messages"] == []
    assert Webhook.objects.count() == 1


def test_anonymous_callers_are_refused(gql):
    result = gql(CREATE, {"input": {"url": "https://example.com"}})
    assert error_codes(result) == ["UNAUTHENTICATED"]


def test_signature_secret_is_readable_only_with_developer_permission(gql, dev_key, keys, loopback_allowed):
    create_webhook(gql, dev_key, "http://127.0.0.1:9/x", ["patient.created"])
    as_dev = data_of(gql(WEBHOOKS, key=dev_key))["webhooks"]
    as_provider = data_of(gql(WEBHOOKS, key=keys["provider"]))["webhooks"]
    assert as_dev[0]["signature_secret"].startswith("whsec_")
    assert as_provider[0]["signature_secret"] is None
    assert error_codes(gql(WEBHOOKS, key=keys["patient"])) == ["FORBIDDEN"]


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("", "A URL is required"),
        ("not a url", "spaces"),
        ("ftp://example.com/x", "absolute https URL"),
        ("http://example.com/x", "must use https"),
        ("https://user:pw@example.com/x", "user name or password"),
        ("https://example.com:99999/x", "port"),
        ("https://127.0.0.1/x", "private, loopback"),
        ("https://localhost/x", "private, loopback"),
        ("https://10.1.2.3/x", "private, loopback"),
        ("https://169.254.169.254/latest/meta-data", "private, loopback"),
        ("https://[::1]/x", "private, loopback"),
        ("https://[::ffff:127.0.0.1]/x", "private, loopback"),
        ("https://100.100.100.200/x", "private, loopback"),
        ("https://0.0.0.0/x", "private, loopback"),
        ("https://exa mple.com/x", "spaces"),
        ("https://host.invalid/x", "does not resolve"),
    ],
)
def test_unsafe_or_invalid_urls_are_refused_with_a_message(gql, dev_key, url, fragment):
    variables = {"input": {"url": url, "webhook_events": [{"event_type": "patient.created"}]}}
    payload = data_of(gql(CREATE, variables, key=dev_key))["createWebhook"]
    assert payload["webhook"] is None
    assert [m["field"] for m in payload["messages"]] == ["url"]
    assert fragment in payload["messages"][0]["message"]
    assert Webhook.objects.count() == 0


def test_http_needs_the_setting_even_for_allow_listed_hosts(gql, dev_key, settings):
    settings.WEBHOOK_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_ALLOW_HTTP = False
    variables = {"input": {"url": "http://127.0.0.1:9/x", "webhook_events": [{"event_type": "patient.created"}]}}
    payload = data_of(gql(CREATE, variables, key=dev_key))["createWebhook"]
    assert payload["messages"] == [{"field": "url", "message": "The URL must use https."}]
    variables["input"]["url"] = "https://127.0.0.1:9/x"
    assert data_of(gql(CREATE, variables, key=dev_key))["createWebhook"]["messages"] == []


def test_unknown_or_missing_event_types_are_refused(gql, dev_key, loopback_allowed):
    variables = {"input": {"url": "http://127.0.0.1:9/x", "webhook_events": [{"event_type": "patient.exploded"}]}}
    payload = data_of(gql(CREATE, variables, key=dev_key))["createWebhook"]
    assert [m["field"] for m in payload["messages"]] == ["webhook_events"]
    assert "patient.exploded" in payload["messages"][0]["message"]
    payload = data_of(gql(CREATE, {"input": {"url": "http://127.0.0.1:9/x"}}, key=dev_key))["createWebhook"]
    assert payload["messages"][0]["field"] == "webhook_events"
    # the older single event_type argument also works
    variables = {"input": {"url": "http://127.0.0.1:9/x", "event_type": "patient.created"}}
    webhook = data_of(gql(CREATE, variables, key=dev_key))["createWebhook"]["webhook"]
    assert webhook["event_type"] == "patient.created"


def test_update_changes_url_flags_and_event_set(gql, dev_key, loopback_allowed):
    webhook = create_webhook(gql, dev_key, "http://127.0.0.1:9/a", ["patient.created", "patient.updated"])
    variables = {"input": {"id": webhook["id"], "url": "http://127.0.0.1:9/b", "should_retry": False,
                           "is_enabled": False, "webhook_events": [{"event_type": "patient.updated"},
                                                                   {"event_type": "applied_tag.created"}]}}
    payload = data_of(gql(UPDATE, variables, key=dev_key))["updateWebhook"]
    assert payload["messages"] == []
    assert payload["webhook"]["url"] == "http://127.0.0.1:9/b"
    assert payload["webhook"]["should_retry"] is False and payload["webhook"]["is_enabled"] is False
    assert sorted(e["event_type"] for e in payload["webhook"]["webhook_events"]) == [
        "applied_tag.created", "patient.updated"]
    bad = data_of(gql(UPDATE, {"input": {"id": webhook["id"], "url": "https://10.0.0.1/"}}, key=dev_key))
    assert bad["updateWebhook"]["messages"][0]["field"] == "url"
    assert Webhook.objects.get(pk=webhook["id"]).url == "http://127.0.0.1:9/b"  # nothing half-written


def test_another_organizations_webhook_looks_missing(gql, dev_key, other_world, loopback_allowed):
    theirs = create_webhook(gql, factories.api_key(other_world.owner), "http://127.0.0.1:9/x", ["patient.created"])
    # Mutations answer in the payload (see the NOT_FOUND table below); the query answers null + NOT_FOUND.
    result = gql("query($id: ID) { webhook(id: $id) { id } }", {"id": theirs["id"]}, key=dev_key)
    assert error_codes(result) == ["NOT_FOUND"]
    assert result["data"] == {"webhook": None}
    assert data_of(gql(WEBHOOKS, key=dev_key))["webhooks"] == []
    assert Webhook.objects.get(pk=theirs["id"]).is_enabled


SEND_TEST = """
mutation($input: sendTestWebhookInput) {
  sendTestWebhook(input: $input) { sent sent_webhook { id } messages { field message code } }
}"""
NOT_FOUND_CASES = [
    ("updateWebhook", UPDATE, {"url": "http://127.0.0.1:9/hacked", "is_enabled": False}),
    ("deleteWebhook", DELETE, {}),
    ("expireWebhookSignature", EXPIRE, {}),
    ("sendTestWebhook", SEND_TEST, {"event_type": "patient.created"}),
]


def _webhook_rows() -> dict[str, object]:
    return {
        "webhooks": sorted(Webhook.objects.values_list("pk", "url", "is_enabled", "should_retry", "deleted_at",
                                                       "secret_encrypted", "previous_secret_encrypted")),
        "events": sorted(WebhookEvent.objects.values_list("webhook_id", "event_type")),
        "deliveries": Delivery.objects.count(),
        "attempts": Attempt.objects.count(),
        "domain_events": Event.objects.count(),
    }


@pytest.mark.parametrize(("name", "operation", "extra"), NOT_FOUND_CASES, ids=[c[0] for c in NOT_FOUND_CASES])
def test_missing_and_foreign_webhook_ids_are_not_found_messages(gql, dev_key, other_world, loopback_allowed,
                                                                name, operation, extra):
    create_webhook(gql, dev_key, "http://127.0.0.1:9/ours", ["patient.created"])
    theirs = create_webhook(gql, factories.api_key(other_world.owner), "http://127.0.0.1:9/x", ["patient.created"])
    before = _webhook_rows()
    for target in (theirs["id"], "999999"):
        payload = data_of(gql(operation, {"input": {"id": target, **extra}}, key=dev_key))[name]
        assert payload["messages"] == [{"field": "id", "message": "Webhook not found.", "code": "NOT_FOUND"}], target
        assert payload.get("webhook") is None and payload.get("sent_webhook") is None
        if name == "sendTestWebhook":
            assert payload["sent"] is False
    assert _webhook_rows() == before


def test_delete_is_soft_and_hides_the_webhook(gql, dev_key, loopback_allowed):
    webhook = create_webhook(gql, dev_key, "http://127.0.0.1:9/x", ["patient.created"])
    payload = data_of(gql(DELETE, {"input": {"id": webhook["id"]}}, key=dev_key))["deleteWebhook"]
    assert payload == {"webhook": {"id": webhook["id"]}, "messages": []}
    assert data_of(gql(WEBHOOKS, key=dev_key)) == {"webhooks": [], "webhooksCount": 0}
    row = Webhook.objects.get(pk=webhook["id"])
    assert row.deleted_at is not None and not row.is_enabled


def test_expire_rotates_the_secret_and_keeps_the_old_one_for_the_grace_period(gql, dev_key, loopback_allowed):
    webhook = create_webhook(gql, dev_key, "http://127.0.0.1:9/x", ["patient.created"])
    payload = data_of(gql(EXPIRE, {"input": {"id": webhook["id"]}}, key=dev_key))["expireWebhookSignature"]
    assert payload["messages"] == []
    assert payload["webhook"]["signature_secret"] != webhook["signature_secret"]
    row = Webhook.objects.get(pk=webhook["id"])
    assert decrypt(row.previous_secret_encrypted) == webhook["signature_secret"]
    assert row.previous_secret_expires_at is not None


def test_webhooks_list_paginates_with_cursors_and_constant_queries(gql, dev_key, loopback_allowed, count_queries):
    for i in range(12):
        create_webhook(gql, dev_key, f"http://127.0.0.1:9/{i}", ["patient.created", "patient.updated"])
    first = data_of(gql(WEBHOOKS, {"page_size": 5}, key=dev_key))
    assert first["webhooksCount"] == 12 and len(first["webhooks"]) == 5
    ids = [w["id"] for w in first["webhooks"]]
    assert ids == sorted(ids, key=int, reverse=True)
    after = data_of(gql(WEBHOOKS, {"page_size": 5, "after": first["webhooks"][-1]["cursor"]}, key=dev_key))
    assert int(after["webhooks"][0]["id"]) < int(ids[-1])
    _, small = count_queries(lambda: gql(WEBHOOKS, {"page_size": 2}, key=dev_key))
    _, large = count_queries(lambda: gql(WEBHOOKS, {"page_size": 12}, key=dev_key))
    assert small == large
    assert WebhookEvent.objects.count() == 24


@pytest.mark.parametrize(("query", "argument"), [
    ('{ sentWebhooks(sort_by: "loudest") { id } }', "sort_by"),
    ('{ sentWebhooks(order_by: "loudest") { id } }', "order_by"),
    ('{ sentWebhooksCount(sent_after: "yesterday-ish") }', "sent_after"),
    ('{ sentWebhooks(sent_after: "2030-01-01", sent_before: "later") { id } }', "sent_before"),
])
def test_log_argument_errors_name_the_argument(gql, dev_key, query, argument):
    result = gql(query, key=dev_key)
    assert error_codes(result) == ["BAD_USER_INPUT"], result
    assert [m["field"] for m in result["errors"][0]["extensions"]["messages"]] == [argument]
