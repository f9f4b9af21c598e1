"""SSRF guard: IPv6 forms that embed an IPv4 address are judged by the address they reach."""

from __future__ import annotations

import pytest

from webhooks import targets


@pytest.mark.parametrize(
    "literal",
    [
        "2002:7f00:1::",                          # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",                      # 6to4 of 169.254.169.254 (cloud metadata)
        "2002:c0a8:0101::",                       # 6to4 of 192.168.1.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",   # Teredo, client 127.0.0.1
        "2001:0:7f00:1:8000:63bf:3fff:fdd2",      # Teredo, server 127.0.0.1, public client
        "::7f00:1",                               # IPv4-compatible 127.0.0.1
        "::a00:1",                                # IPv4-compatible 10.0.0.1
        "64:ff9b::7f00:1",                        # NAT64 well-known prefix
        "64:ff9b::a9fe:a9fe",                     # NAT64 of the metadata address
        "64:ff9b:1::a00:1",                       # NAT64 local-use prefix
        "::ffff:127.0.0.1",                       # IPv4-mapped
    ],
)
def test_ipv6_forms_embedding_a_refused_ipv4_address_are_refused(literal):
    target = targets.parse(f"https://[{literal}]/hooks")
    with pytest.raises(targets.UnsafeTarget, match="private, loopback"):
        targets.check_addresses(target, targets.resolve(target))


@pytest.mark.parametrize(
    "literal",
    [
        "2606:4700:4700::1111",  # plain public IPv6
        "2002:808:808::",        # 6to4 of 8.8.8.8, a public address
    ],
)
def test_ipv6_forms_embedding_a_public_address_are_accepted(literal):
    target = targets.parse(f"https://[{literal}]/hooks")
    assert targets.check_addresses(target, targets.resolve(target)) == [literal]


def test_a_listed_private_network_also_allows_its_embedded_forms(settings):
    settings.WEBHOOK_ALLOWED_PRIVATE_HOSTS = ["127.0.0.0/8", "2002:7f00::/24"]
    target = targets.parse("https://[2002:7f00:1::]/hooks")
    assert targets.check_addresses(target, targets.resolve(target)) == ["2002:7f00:1::"]


@pytest.mark.django_db
def test_the_6to4_loopback_url_is_refused_through_the_api(gql, dev_key):
    variables = {"input": {"url": "https://[2002:7f00:1::]/x", "webhook_events": [{"event_type": "patient.created"}]}}
    payload = gql(CREATE, variables, key=dev_key)["data"]["createWebhook"]
    assert payload["webhook"] is None
    assert [m["field"] for m in payload["messages"]] == ["url"]
    assert "private, loopback" in payload["messages"][0]["message"]


CREATE = """mutation($input: createWebhookInput) {
  createWebhook(input: $input) { webhook { id } messages { field message } }
}"""
