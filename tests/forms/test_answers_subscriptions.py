"""formAnswerGroupModifiedSubscription over a real WebSocket."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from apps.events.groups import organization_group
from tests import factories
from tests.conftest import GraphQLClient, data_of
from tests.forms.test_answers import UPDATE, create
from tests.subscriptions.conftest import (  # noqa: F401 (autouse fixtures of the socket tests)
    _fresh_layer,
    _hub_stopped_before_the_loop_closes,
    open_socket,
    wait_for_group,
)

pytestmark = pytest.mark.django_db(transaction=True)

MODIFIED = """subscription($id: ID) { formAnswerGroupModifiedSubscription(id: $id) {
  id finished form_answers { label answer } } }"""


async def _open(key: str, group_id: str):
    socket = await open_socket(f"/subscriptions?token={key}")
    await socket.send_json_to({"type": "connection_init"})
    assert await socket.receive_json_from(timeout=5) == {"type": "connection_ack"}
    await socket.send_json_to({"id": "1", "type": "subscribe", "payload": {"query": MODIFIED,
                                                                          "variables": {"id": group_id}}})
    return socket


def _setup(world, keys):
    template = factories.form_template(world.org, ("text", "Name"), ("radio", "Smoker", "Yes\nNo"))
    result = data_of(create(GraphQLClient(), keys["provider"], template, world.patients[0], {0: "Chris"}))
    return template, result["createFormAnswerGroup"]["form_answer_group"]["id"]


def _edit(key: str, group_id: str, module_id: int, answer: str) -> None:
    data_of(GraphQLClient()(UPDATE, {"input": {"id": group_id, "form_answers": [
        {"custom_module_id": str(module_id), "answer": answer}]}}, key=key))


async def test_an_edit_reaches_the_subscriber(world, keys):
    template, group_id = await sync_to_async(_setup)(world, keys)
    smoker = await sync_to_async(lambda: template.custom_modules.get(label="Smoker").pk)()
    socket = await _open(keys["patient"], group_id)
    await wait_for_group(organization_group(world.org.pk))
    await sync_to_async(_edit)(keys["provider"], group_id, smoker, "No")
    message = await socket.receive_json_from(timeout=5)
    assert message == {"id": "1", "type": "next", "payload": {"data": {"formAnswerGroupModifiedSubscription": {
        "id": group_id, "finished": True,
        "form_answers": [{"label": "Name", "answer": "Chris"}, {"label": "Smoker", "answer": "No"}]}}}}
    await socket.disconnect()


async def test_another_organization_cannot_subscribe(world, other_world, keys, other_keys):
    _, group_id = await sync_to_async(_setup)(world, keys)
    socket = await _open(other_keys["owner"], group_id)
    message = await socket.receive_json_from(timeout=5)
    assert message["payload"]["data"] is None
    assert [e["extensions"]["code"] for e in message["payload"]["errors"]] == ["NOT_FOUND"]
    await socket.disconnect()
