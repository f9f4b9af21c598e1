"""One GraphQL execution per event for sockets that provably get the same result (schema.realtime.fanout)."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from graphql import parse
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from apps.accounts.models import User
from schema.realtime import watch as watch_module
from schema.realtime.fanout import share_key
from schema.schema import schema
from tests import factories
from tests.conftest import GraphQLClient
from tests.subscriptions.conftest import USER_UPDATED, open_socket, wait_for_group
from tests.webhooks.conftest import update_client

PLAIN = "subscription($id: ID) { userUpdatedSubscription(id: $id) { id first_name __typename } }"


def _operation(document: str):
    return parse(document).definitions[0]


def _key(document: str, variables: dict | None = None) -> str | None:
    return share_key(schema._schema, _operation(document), variables or {"id": "1"})


def test_only_plain_leaf_selections_are_shared():
    assert _key(PLAIN) is not None
    assert _key(PLAIN, {"id": "1"}) != _key(PLAIN, {"id": "2"})
    # Nested objects, resolver-backed fields (viewer-scoped or members-only), fragments and
    # directives may depend on the viewer: executed per socket.
    assert _key(USER_UPDATED) is None
    assert _key("subscription { userUpdatedSubscription { id locations { id } } }") is None
    assert _key("subscription { userUpdatedSubscription { id set_password_link } }") is None
    assert _key("subscription { userUpdatedSubscription { id full_name } }") is None
    assert _key("subscription { userUpdatedSubscription { ...F } } fragment F on User { id }") is None
    assert _key("subscription($s: Boolean!) { userUpdatedSubscription { id @include(if: $s) } }",
                {"s": True}) is None


@pytest.fixture
def executions(monkeypatch):
    """Counts real GraphQL executions of subscription events."""
    counted: list[object] = []
    original = StrawberryGraphQLCoreExecutionContext.execute_operation

    def counting(self, serially=None):
        if self.operation.operation.value == "subscription" and isinstance(self.root_value, User):
            counted.append(self.root_value)
        return original(self, serially)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_operation", counting)
    return counted


@pytest.fixture
def event_reads(monkeypatch):
    """Counts the per-event re-reads (``schema.realtime.watch``) that reached the database."""
    counted: list[int] = []
    original = watch_module._first

    def counting(records, pk):
        counted.append(pk)
        return original(records, pk)

    monkeypatch.setattr(watch_module, "_first", counting)
    return counted


async def _subscribed(key: str, document: str, patient_id: int):
    socket = await open_socket(f"/subscriptions?token={key}")
    await socket.send_json_to({"type": "connection_init"})
    assert (await socket.receive_json_from(timeout=5))["type"] == "connection_ack"
    await socket.send_json_to({"id": "1", "type": "subscribe",
                               "payload": {"query": document, "variables": {"id": str(patient_id)}}})
    return socket


@pytest.mark.django_db(transaction=True)
async def test_shared_execution_still_authorizes_every_event(world, keys, executions, event_reads):
    """Two members who see all clients share one execution; a restricted member who lost the
    patient after subscribing receives nothing for the same event."""
    patient = world.patients[0]

    def setup() -> tuple[str, str, str]:
        first = factories.member(world.org)
        second = factories.member(world.org)
        restricted = factories.member(world.org, can_see_all_clients=False)
        User.objects.filter(pk=patient.pk).update(dietitian=restricted)
        return factories.api_key(first), factories.api_key(second), factories.api_key(restricted)

    first, second, restricted = await sync_to_async(setup)()
    sockets = [await _subscribed(key, PLAIN, patient.pk) for key in (first, second, restricted)]
    await wait_for_group(f"user.{patient.pk}", 3)

    # The restricted member stops being the patient's provider: from now on they cannot read it.
    await sync_to_async(User.objects.filter(pk=patient.pk).update)(dietitian=None)
    await sync_to_async(update_client)(GraphQLClient(), keys["owner"], patient.pk, first_name="Shared")

    expected = {"id": "1", "type": "next", "payload": {"data": {"userUpdatedSubscription": {
        "id": str(patient.pk), "first_name": "Shared", "__typename": "User"}}}}
    assert await sockets[0].receive_json_from(timeout=5) == expected
    assert await sockets[1].receive_json_from(timeout=5) == expected
    assert await sockets[2].receive_nothing(timeout=0.5)
    # Executions: one at subscribe time is not counted (no User root yet); the event ran once
    # for the two members who share the re-read.
    assert len(executions) == 1
    # Reads: one shared by the two members with the same scope, one for the restricted member.
    assert event_reads == [patient.pk, patient.pk]
    for socket in sockets:
        await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_viewer_dependent_documents_execute_per_socket(world, keys, executions):
    patient = world.patients[0]

    def setup() -> tuple[str, str]:
        return factories.api_key(factories.member(world.org)), factories.api_key(factories.member(world.org))

    first, second = await sync_to_async(setup)()
    sockets = [await _subscribed(key, USER_UPDATED, patient.pk) for key in (first, second)]
    await wait_for_group(f"user.{patient.pk}", 2)
    await sync_to_async(update_client)(GraphQLClient(), keys["owner"], patient.pk, first_name="Each")
    for socket in sockets:
        message = await socket.receive_json_from(timeout=5)
        assert message["payload"]["data"]["userUpdatedSubscription"]["first_name"] == "Each"
        await socket.disconnect()
    assert len(executions) == 2
