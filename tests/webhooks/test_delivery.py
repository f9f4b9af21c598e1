"""Deliveries end to end: a mutation over HTTP, the outbox, the worker, a real local receiver."""

from __future__ import annotations

import pytest
from django.db import transaction
from standardwebhooks import Webhook as StandardWebhook
from standardwebhooks.webhooks import WebhookVerificationError

from apps.accounts.models import User
from apps.events.bus import UnknownEventType, emit
from apps.events.catalog import EVENT_TYPES
from apps.events.models import Event
from tests import factories
from tests.conftest import data_of, error_codes
from tests.webhooks import node_sample, verify
from tests.webhooks.conftest import create_webhook, update_client
from webhooks import worker
from webhooks.models import Attempt, Delivery, Webhook

pytestmark = pytest.mark.django_db

PUBLIC_KEY = "query { webhookSigningPublicKey }"
SENT = """
query($resource_id: ID, $failed: Boolean, $sent_after: String, $sent_before: String, $page_size: Int) {
  sentWebhooks(resource_id: $resource_id, failed: $failed, sent_after: $sent_after, sent_before: $sent_before,
               page_size: $page_size) {
    id cursor event_type resource_id resource_id_type url http_response_status created_at webhook_id failed
  }
  sentWebhooksCount(resource_id: $resource_id, failed: $failed, sent_after: $sent_after, sent_before: $sent_before)
}"""


def drain() -> int:
    total = 0
    while handled := worker.run_batch(100):
        total += handled
    return total


@pytest.fixture
def hooked(gql, dev_key, receiver, loopback_allowed):
    webhook = create_webhook(gql, dev_key, receiver.url("/uri/path/here?tenant=7"), ["patient.updated"])
    return webhook


def test_update_event_reaches_the_receiver_with_exact_thin_payload(gql, keys, world, receiver, hooked):
    patient = world.patients[0]
    update_client(gql, keys["provider"], patient.pk, first_name="Ana", phone_number="555-0100")
    assert Delivery.objects.count() == 1
    assert drain() == 1
    [received] = receiver.requests
    assert received.path == "/uri/path/here" and received.query == "tenant=7"
    expected = (f'{{"resource_id":"{patient.pk}","resource_id_type":"User","event_type":"patient.updated",'
                f'"changed_fields":["first_name","phone_number"]}}').encode()
    assert received.body == expected
    assert received.headers["content-type"] == "application/json"
    assert int(received.headers["content-length"]) == len(verify.js_stringify(received.json).encode())
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.SUCCEEDED and delivery.attempts == 1


def test_every_delivery_verifies_three_ways(gql, keys, world, receiver, hooked, dev_key):
    update_client(gql, keys["provider"], world.patients[0].pk, first_name="Ana")
    drain()
    [received] = receiver.requests
    secret = hooked["signature_secret"]
    # 1. the documented scheme, ported, plus the body digest check the sample leaves out
    assert verify.documented(received, secret)
    assert verify.digest_matches_body(received)
    assert not verify.documented(received, secret + "x")
    # 2. the standardwebhooks package
    StandardWebhook(secret).verify(received.body, received.headers)
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(secret).verify(received.body.replace(b"first_name", b"last_name"), received.headers)
    # 3. Ed25519 with the organization's public key, no shared secret needed
    public_key = data_of(gql(PUBLIC_KEY, key=dev_key))["webhookSigningPublicKey"]
    assert public_key.startswith("whpk_")
    assert verify.ed25519(received, public_key)
    tampered = type(received)(received.method, received.path, received.query, received.headers, received.body + b" ")
    assert not verify.ed25519(tampered, public_key)


@pytest.mark.skipif(node_sample.node() is None, reason="Node.js is not installed")
def test_the_documented_javascript_sample_verifies_our_delivery_under_node(gql, keys, world, receiver, hooked):
    update_client(gql, keys["provider"], world.patients[0].pk, first_name="Zoë")
    drain()
    [received] = receiver.requests
    request = verify.node_request(received)
    ok, output = node_sample.verify(request, hooked["signature_secret"])
    assert ok, output
    ok, output = node_sample.verify(request, hooked["signature_secret"], source=node_sample.PORT.read_text())
    assert ok, output
    request["headers"] = {**request["headers"], "signature": "sig1=" + "0" * 64}
    ok, _ = node_sample.verify(request, hooked["signature_secret"])
    assert not ok


def test_catalog_matches_the_published_event_list():
    from pathlib import Path

    seed = Path(node_sample.SEED)
    if not seed.exists():
        pytest.skip("the published documentation (seed 002) is not on this machine")
    text = seed.read_text(encoding="utf-8")
    table = text[text.index("Below are the webhook event types available currently:"):text.index("*The appointment")]
    listed = {line.strip(" |*") for line in table.splitlines() if "." in line and "|" in line}
    triggered = text[text.index("When specific webhook events are triggered"):text.index("Webhook behavior in")]
    listed |= {line.split("|")[0].strip() for line in triggered.splitlines() if line.count("|") >= 2 and "." in line}
    assert listed == set(EVENT_TYPES)


def test_emit_refuses_types_outside_the_catalog(world):
    with transaction.atomic(), pytest.raises(UnknownEventType):
        emit("patient.exploded", world.patients[0], organization_id=world.org.pk)
    assert "patient.updated" in EVENT_TYPES and len(EVENT_TYPES) == 58


def test_a_rolled_back_write_sends_nothing(world, receiver, hooked):
    patient = world.patients[0]
    with pytest.raises(RuntimeError), transaction.atomic():
        emit("patient.updated", patient, organization_id=world.org.pk, changed_fields=["first_name"])
        assert Delivery.objects.count() == 1  # written in the same transaction ...
        raise RuntimeError("the change fails")
    assert Delivery.objects.count() == 0 and Event.objects.count() == 0  # ... and gone with it
    assert drain() == 0 and receiver.requests == []


def test_several_urls_per_event_and_several_events_per_url(gql, dev_key, keys, world, receiver, loopback_allowed):
    create_webhook(gql, dev_key, receiver.url("/a"), ["patient.updated", "patient.created"])
    create_webhook(gql, dev_key, receiver.url("/b"), ["patient.updated"])
    create_webhook(gql, dev_key, receiver.url("/c"), ["applied_tag.created"])
    update_client(gql, keys["provider"], world.patients[0].pk, first_name="Ana")
    drain()
    assert sorted(r.path for r in receiver.requests) == ["/a", "/b"]
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert len(ids) == 2  # one message id per endpoint


def test_disabled_and_deleted_webhooks_receive_nothing(gql, dev_key, keys, world, receiver, loopback_allowed):
    off = create_webhook(gql, dev_key, receiver.url("/off"), ["patient.updated"], is_enabled=False)
    gone = create_webhook(gql, dev_key, receiver.url("/gone"), ["patient.updated"])
    gql("mutation($i: deleteWebhookInput) { deleteWebhook(input: $i) { messages { field } } }",
        {"i": {"id": gone["id"]}}, key=dev_key)
    update_client(gql, keys["provider"], world.patients[0].pk, first_name="Ana")
    drain()
    assert receiver.requests == [] and off["is_enabled"] is False


def test_parent_organization_receives_sub_organization_events_but_not_the_reverse(gql, receiver, loopback_allowed):
    parent = factories.world("Parent Health")
    sub_org = factories.organization("Sub Clinic", parent=parent.org)
    sub_owner = factories.member(sub_org, owner=True)
    sub_provider = factories.member(sub_org)
    sub_patient = factories.patient(sub_org, provider=sub_provider)
    create_webhook(gql, factories.api_key(parent.owner), receiver.url("/parent"), ["patient.updated"])
    create_webhook(gql, factories.api_key(sub_owner), receiver.url("/sub"), ["patient.updated"])
    update_client(gql, factories.api_key(sub_provider), sub_patient.pk, first_name="Sub")
    update_client(gql, factories.api_key(parent.provider), parent.patients[0].pk, first_name="Par")
    drain()
    got = sorted((r.path, r.json["resource_id"]) for r in receiver.requests)
    assert got == sorted([("/parent", str(sub_patient.pk)), ("/sub", str(sub_patient.pk)),
                          ("/parent", str(parent.patients[0].pk))])


def test_other_organizations_events_are_not_delivered(gql, other_keys, other_world, receiver, hooked):
    update_client(gql, other_keys["owner"], other_world.patients[0].pk, first_name="Elsewhere")
    assert drain() == 0 and receiver.requests == []


def test_redirects_are_not_followed(gql, keys, world, receiver, hooked):
    receiver.reply_with(302, {"Location": receiver.url("/elsewhere")})
    update_client(gql, keys["provider"], world.patients[0].pk, first_name="Ana")
    drain()
    assert [r.path for r in receiver.requests] == ["/uri/path/here"]
    attempt = Attempt.objects.get()
    assert attempt.response_status == 302 and not attempt.succeeded


def test_urls_are_checked_again_at_send_time(gql, keys, world, receiver, hooked, settings):
    update_client(gql, keys["provider"], world.patients[0].pk, first_name="Ana")
    settings.WEBHOOK_ALLOWED_PRIVATE_HOSTS = []  # the allowance is withdrawn after registration
    drain()
    assert receiver.requests == []
    attempt = Attempt.objects.get()
    assert attempt.response_status is None and attempt.error.startswith("refused")


def test_connect_time_guard_refuses_names_that_resolve_to_private_addresses(settings, receiver):
    """``localhost`` passes the syntax check on https but is refused when the worker resolves it."""
    import asyncio

    settings.WEBHOOK_ALLOWED_PRIVATE_HOSTS = []
    settings.WEBHOOK_ALLOW_HTTP = True

    async def go():
        client = worker.new_client()
        job = worker.Job(delivery=Delivery(pk=0), url=f"https://localhost:{receiver.server.server_port}/x",
                         headers={}, body=b"{}")
        try:
            return await worker.send_one(client, job)
        finally:
            await client.aclose()

    outcome = asyncio.run(go())
    assert outcome.status is None and outcome.error.startswith("refused: The URL's host resolves to a private")
    assert receiver.requests == []


def test_response_status_and_truncated_body_are_logged(gql, keys, world, receiver, hooked):
    receiver.reply_with(500, body=b"x" * 10_000)
    update_client(gql, keys["provider"], world.patients[0].pk, first_name="Ana")
    drain()
    attempt = Attempt.objects.get()
    assert attempt.response_status == 500 and len(attempt.response_body) == worker.MAX_LOGGED_BODY


def test_sent_webhooks_log_filters_and_scopes(gql, dev_key, keys, other_keys, world, receiver, hooked):
    a, b = world.patients[0], world.patients[1]
    update_client(gql, keys["provider"], a.pk, first_name="Ana")
    drain()
    receiver.reply_with(503)
    update_client(gql, keys["provider"], b.pk, first_name="Bea")
    drain()
    log = data_of(gql(SENT, key=dev_key))
    assert log["sentWebhooksCount"] == 2
    newest = log["sentWebhooks"][0]
    assert newest["resource_id"] == str(b.pk) and newest["http_response_status"] == "503" and newest["failed"]
    assert newest["event_type"] == "patient.updated" and newest["resource_id_type"] == "User"
    assert newest["url"] == receiver.url("/uri/path/here?tenant=7") and newest["webhook_id"] == hooked["id"]
    only_a = data_of(gql(SENT, {"resource_id": str(a.pk)}, key=dev_key))
    assert [s["resource_id"] for s in only_a["sentWebhooks"]] == [str(a.pk)] and only_a["sentWebhooksCount"] == 1
    failed = data_of(gql(SENT, {"failed": True}, key=dev_key))
    assert [s["resource_id"] for s in failed["sentWebhooks"]] == [str(b.pk)]
    future = data_of(gql(SENT, {"sent_after": "2999-01-01T00:00:00Z"}, key=dev_key))
    assert future == {"sentWebhooks": [], "sentWebhooksCount": 0}
    window = data_of(gql(SENT, {"sent_after": "2000-01-01 00:00:00", "sent_before": "2999-01-01"}, key=dev_key))
    assert window["sentWebhooksCount"] == 2
    assert error_codes(gql(SENT, {"sent_after": "yesterday-ish"}, key=dev_key)) == ["BAD_USER_INPUT"]
    keyword = "query($k: String) { sentWebhooksCount(keywords: $k) }"
    assert data_of(gql(keyword, {"k": "patient.updated"}, key=dev_key))["sentWebhooksCount"] == 2
    assert data_of(gql(keyword, {"k": "appointment"}, key=dev_key))["sentWebhooksCount"] == 0
    assert data_of(gql(SENT, key=other_keys["owner"]))["sentWebhooksCount"] == 0
    assert error_codes(gql(SENT, key=keys["patient"])) == ["FORBIDDEN"]


def test_sent_webhooks_query_count_does_not_grow_with_page_size(gql, dev_key, keys, world, receiver, hooked,
                                                                count_queries):
    for i, patient in enumerate(world.patients * 4):
        update_client(gql, keys["provider"], patient.pk, first_name=f"N{i}")
    drain()
    _, small = count_queries(lambda: gql(SENT, {"page_size": 2}, key=dev_key))
    _, large = count_queries(lambda: gql(SENT, {"page_size": 12}, key=dev_key))
    assert small == large


def test_send_test_webhook_sends_a_signed_sample_now(gql, dev_key, keys, receiver, hooked):
    mutation = """mutation($input: sendTestWebhookInput) {
      sendTestWebhook(input: $input) { sent sent_webhook { http_response_status event_type } messages { field } }
    }"""
    payload = data_of(gql(mutation, {"input": {"id": hooked["id"]}}, key=dev_key))["sendTestWebhook"]
    assert payload == {"sent": True, "sent_webhook": {"http_response_status": "200", "event_type": "patient.updated"},
                       "messages": []}
    [received] = receiver.requests
    assert received.json == {"resource_id": "0", "resource_id_type": "User", "event_type": "patient.updated",
                             "changed_fields": []}
    assert verify.documented(received, hooked["signature_secret"])
    receiver.reply_with(500)
    payload = data_of(gql(mutation, {"input": {"id": hooked["id"]}}, key=dev_key))["sendTestWebhook"]
    assert payload["sent"] is False and payload["sent_webhook"]["http_response_status"] == "500"
    assert Delivery.objects.get(is_test=True, status=Delivery.FAILED).next_attempt_at is None  # never retried
    assert error_codes(gql(mutation, {"input": {"id": hooked["id"]}}, key=keys["provider"])) == ["FORBIDDEN"]
    bad = data_of(gql(mutation, {"input": {"id": hooked["id"], "event_type": "nope"}}, key=dev_key))
    assert bad["sendTestWebhook"]["messages"] == [{"field": "event_type"}]


def test_rotation_signs_standard_header_with_both_secrets_and_documented_header_with_one(
        gql, dev_key, keys, world, receiver, hooked):
    old = hooked["signature_secret"]
    rotated = data_of(gql("""mutation($input: expireWebhookSignatureInput) {
        expireWebhookSignature(input: $input) { webhook { signature_secret } } }""",
                          {"input": {"id": hooked["id"]}}, key=dev_key))
    new = rotated["expireWebhookSignature"]["webhook"]["signature_secret"]
    update_client(gql, keys["provider"], world.patients[0].pk, first_name="Ana")
    drain()
    [received] = receiver.requests
    assert [p.split(",")[0] for p in received.headers["webhook-signature"].split(" ")] == ["v1", "v1", "v1a"]
    StandardWebhook(old).verify(received.body, received.headers)
    StandardWebhook(new).verify(received.body, received.headers)
    assert received.headers["signature"].count("=") == 1  # exactly one signature, sample-compatible
    assert verify.documented(received, new) and not verify.documented(received, old)


def test_user_model_is_unchanged_by_delivery(world, hooked):
    assert User.objects.filter(pk=world.patients[0].pk).exists()
    assert Webhook.objects.count() == 1
