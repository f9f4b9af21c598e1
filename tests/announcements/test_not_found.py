"""Announcement mutations answer a missing or another organization's id with a ``messages``
entry (code NOT_FOUND on ``id``), not a top-level error, and write nothing."""

from __future__ import annotations

import pytest

from apps.announcements.models import Announcement
from apps.events.models import Event
from tests.conftest import data_of

MISSING = "999999"
CASES = [
    ("updateAnnouncement", 'mutation($id: ID) { updateAnnouncement(input: {id: $id, title: "Hacked"}) '
                           "{ announcement { id } messages { field message code } } }"),
    ("deleteAnnouncement", "mutation($id: ID) { deleteAnnouncement(input: {id: $id}) "
                           "{ announcement { id } messages { field message code } } }"),
]


def _snapshot() -> tuple[list, int]:
    return sorted(Announcement.objects.values_list("pk", "title", "description", "updated_at")), Event.objects.count()


@pytest.mark.parametrize(("name", "operation"), CASES, ids=[c[0] for c in CASES])
def test_missing_and_foreign_ids_are_not_found_messages(gql, world, keys, other_world, name, operation):
    Announcement.objects.create(organization=world.org, user=world.owner, title="Ours")
    theirs = Announcement.objects.create(organization=other_world.org, user=other_world.owner, title="Theirs")
    before = _snapshot()
    for target in (str(theirs.pk), MISSING):
        payload = data_of(gql(operation, {"id": target}, key=keys["owner"]))[name]
        assert payload == {"announcement": None, "messages": [
            {"field": "id", "message": "Announcement not found.", "code": "NOT_FOUND"}]}, target
    assert _snapshot() == before
