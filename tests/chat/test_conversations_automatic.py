"""Automatic two-person conversations: a patient's primary provider always, care-team providers
when their membership asks for it; never two for the same pair."""

from __future__ import annotations

import pytest
from django.db import transaction

from apps.accounts.models import OrganizationMembership
from apps.chat.models import Conversation, ConversationMembership
from apps.chat.services.automatic import care_team_member_added, ensure_automatic_conversation
from tests import factories
from tests.conftest import data_of

pytestmark = pytest.mark.django_db

CREATE_CLIENT = """mutation($input: createClientInput) {
  createClient(input: $input) { user { id } messages { field message } }
}"""
UPDATE_CLIENT = """mutation($input: updateClientInput) {
  updateClient(input: $input) { user { id } messages { field message } }
}"""


def _pairs() -> list[tuple[int, int]]:
    return list(Conversation.objects.filter(automatic=True).order_by("id").values_list("patient_id", "provider_id"))


def test_created_client_gets_a_conversation_with_their_provider(gql, world, keys):
    result = data_of(gql(CREATE_CLIENT, {"input": {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com",
                                                   "dietitian_id": str(world.provider.pk), "dont_send_welcome": True}},
                         key=keys["staff"]))
    pk = int(result["createClient"]["user"]["id"])
    assert _pairs() == [(pk, world.provider.pk)]
    conversation = Conversation.objects.get(automatic=True)
    assert conversation.owner_id == world.provider.pk and not conversation.internal
    assert set(conversation.memberships.values_list("user_id", flat=True)) == {pk, world.provider.pk}
    # The patient sees it in their list at once.
    listed = data_of(gql("{ conversationMemberships { convo { id dietitian_id patient_id } } }",
                         key=factories.api_key(conversation.patient)))
    assert listed == {"conversationMemberships": [{"convo": {"id": str(conversation.pk),
                                                             "dietitian_id": str(world.provider.pk),
                                                             "patient_id": str(pk)}}]}


def test_new_primary_provider_gets_one_and_nothing_is_duplicated(gql, world, keys):
    patient = world.patients[0]
    other = factories.member(world.org)
    for _ in range(2):
        data_of(gql(UPDATE_CLIENT, {"input": {"id": str(patient.pk), "dietitian_id": str(other.pk)}},
                    key=keys["owner"]))
    data_of(gql(UPDATE_CLIENT, {"input": {"id": str(patient.pk), "dietitian_id": str(world.provider.pk)}},
                key=keys["owner"]))
    data_of(gql(UPDATE_CLIENT, {"input": {"id": str(patient.pk), "dietitian_id": str(other.pk)}}, key=keys["owner"]))
    assert _pairs() == [(patient.pk, other.pk), (patient.pk, world.provider.pk)]
    # A rename (no provider change) creates nothing.
    data_of(gql(UPDATE_CLIENT, {"input": {"id": str(patient.pk), "first_name": "New"}}, key=keys["owner"]))
    assert len(_pairs()) == 2


def test_ensure_is_idempotent_and_refuses_cross_organization(world, other_world):
    patient = world.patients[1]
    with transaction.atomic():
        first = ensure_automatic_conversation(patient, world.provider)
        again = ensure_automatic_conversation(patient, world.provider)
    assert first.pk == again.pk and ConversationMembership.objects.filter(conversation=first).count() == 2
    with transaction.atomic():
        assert ensure_automatic_conversation(patient, other_world.provider) is None
        assert ensure_automatic_conversation(world.provider, patient) is None


def test_care_team_provider_only_when_their_setting_asks(gql, world, keys):
    patient = world.patients[2]
    quiet = factories.member(world.org)
    chatty = factories.member(world.org)
    result = data_of(gql("""mutation($id: ID) { updateOrganizationMembership(input: {id: $id,
        auto_create_convo_for_care_team: true}) { organizationMembership { auto_create_convo_for_care_team }
        messages { field } } }""", {"id": str(chatty.membership.pk)}, key=keys["owner"]))
    assert result["updateOrganizationMembership"] == {
        "organizationMembership": {"auto_create_convo_for_care_team": True}, "messages": []}
    with transaction.atomic():
        assert care_team_member_added(patient, quiet) is None
        chatty.refresh_from_db()
        conversation = care_team_member_added(patient, chatty)
    assert conversation is not None and _pairs() == [(patient.pk, chatty.pk)]
    assert not OrganizationMembership.objects.get(user=quiet).auto_create_convo_for_care_team
