"""Concurrent assignments of one provider to one patient make one automatic conversation (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from apps.accounts.models import User
from apps.chat.models import Conversation, ConversationMembership
from apps.chat.services.automatic import ensure_automatic_conversation
from tests import factories

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL: SQLite serializes every write, so there is no race to test"),
    pytest.mark.django_db(transaction=True),
]
RACERS = 12


def test_concurrent_assignments_create_one_automatic_conversation():
    world = factories.world("Race Clinic", patients=1)
    patient_id, provider_id = world.patients[0].pk, world.provider.pk
    barrier = threading.Barrier(RACERS)
    found: list[int | None] = [None] * RACERS

    def run(index: int) -> None:
        try:
            patient, provider = User.objects.get(pk=patient_id), User.objects.get(pk=provider_id)
            barrier.wait(timeout=30)
            with transaction.atomic():
                conversation = ensure_automatic_conversation(patient, provider)
            found[index] = conversation.pk if conversation else None
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    [only] = Conversation.objects.filter(automatic=True, patient_id=patient_id, provider_id=provider_id)
    assert ConversationMembership.objects.filter(conversation=only).count() == 2
    # Every racer answered with the one conversation (losers found the winner's after its commit,
    # or, when they read before it, their own insert was refused by the constraint and they re-read).
    assert found == [only.pk] * RACERS
