"""Account services record documented events exactly once per committed change, never for a
rolled-back one."""

from __future__ import annotations

from unittest.mock import ANY

import pytest
from django.db import transaction

from apps.accounts import mail
from apps.accounts.inputs import ClientChanges
from apps.accounts.models import AppliedTag, Tag, User, UserGroup
from apps.accounts.services import patients as patient_services
from apps.accounts.services import tags as tag_services
from apps.accounts.viewer import Viewer
from apps.events import bus as events
from apps.events.models import Event
from tests import factories
from tests.conftest import data_of, error_codes


def recorded(event_type: str | None = None) -> list[tuple[str, str, list[str] | None]]:
    qs = Event.objects.order_by("id")
    if event_type:
        qs = qs.filter(event_type=event_type)
    return [(e.event_type, e.resource_id, e.changed_fields) for e in qs]


CREATE_CLIENT = """mutation($input: createClientInput) {
  createClient(input: $input) { user { id } messages { field message } }
}"""
UPDATE_CLIENT = """mutation($input: updateClientInput) {
  updateClient(input: $input) { user { id } messages { field message } }
}"""


@pytest.mark.django_db
def test_patient_created_once(gql, world, keys):
    result = data_of(gql(CREATE_CLIENT, {"input": {"first_name": "Eve", "last_name": "Adams",
                                                   "email": "eve@example.com", "dont_send_welcome": True}},
                         key=keys["provider"]))
    pk = result["createClient"]["user"]["id"]
    # The patient's primary provider is set, so chat adds their automatic conversation's two members.
    assert recorded() == [("patient.created", pk, None), *[("conversation_membership.created", ANY, None)] * 2]
    event = Event.objects.get(event_type="patient.created")
    assert (event.organization_id, event.actor_id, event.resource_id_type) == (world.org.pk, world.provider.pk,
                                                                                "User")
    assert event.payload() == {"resource_id": pk, "resource_id_type": "User", "event_type": "patient.created"}


@pytest.mark.django_db
def test_refused_create_records_nothing(gql, world, keys):
    data_of(gql(CREATE_CLIENT, {"input": {"first_name": "Eve", "last_name": "Adams", "email": "bad"}},
                key=keys["provider"]))
    assert recorded() == []


@pytest.mark.django_db
def test_patient_updated_with_changed_fields(gql, world, keys):
    patient = world.patients[0]
    data_of(gql(UPDATE_CLIENT, {"input": {"id": str(patient.pk), "first_name": "Renamed",
                                          "last_name": patient.last_name, "phone_number": "555-0101"}},
                key=keys["provider"]))
    assert recorded() == [("patient.updated", str(patient.pk), ["first_name", "phone_number"])]
    assert Event.objects.get().payload()["changed_fields"] == ["first_name", "phone_number"]
    # Sending the same values again changes nothing, so nothing is recorded.
    data_of(gql(UPDATE_CLIENT, {"input": {"id": str(patient.pk), "first_name": "Renamed"}}, key=keys["provider"]))
    assert len(recorded()) == 1
    # Archiving is an update of "active".
    data_of(gql(UPDATE_CLIENT, {"input": {"id": str(patient.pk), "active": False}}, key=keys["provider"]))
    assert recorded()[-1] == ("patient.updated", str(patient.pk), ["active"])


@pytest.mark.django_db
def test_password_is_not_named_among_changed_fields(gql, world, keys):
    patient = world.patients[0]
    data_of(gql(UPDATE_CLIENT, {"input": {"id": str(patient.pk), "first_name": "New",
                                          "password": "tundra-falcon-copper-36"}}, key=keys["provider"]))
    assert recorded() == [("patient.updated", str(patient.pk), ["first_name"])]


@pytest.mark.django_db
def test_resend_welcome_records_no_update(gql, world, keys):
    data_of(gql(UPDATE_CLIENT, {"input": {"id": str(world.patients[0].pk), "resend_welcome": True}},
                key=keys["provider"]))
    assert recorded() == []


@pytest.mark.django_db
def test_bulk_update_records_one_event_per_changed_patient(gql, world, keys):
    User.objects.filter(pk=world.patients[0].pk).update(active=False)
    ids = [str(p.pk) for p in world.patients]
    data_of(gql("mutation($ids: [ID!]) { bulkUpdateClients(input: {ids: $ids, active_status: false}) "
                "{ messages { field message } } }", {"ids": ids}, key=keys["provider"]))
    assert recorded() == [("patient.updated", ids[1], ["active"]), ("patient.updated", ids[2], ["active"])]


@pytest.mark.django_db
def test_deleting_a_group_updates_its_patients(gql, world, keys):
    group = UserGroup.objects.create(organization=world.org, name="G")
    User.objects.filter(pk=world.patients[1].pk).update(user_group=group)
    data_of(gql("mutation($id: ID!) { deleteUserGroup(input: {id: $id}) { messages { field message } } }",
                {"id": str(group.pk)}, key=keys["provider"]))
    assert recorded() == [("patient.updated", str(world.patients[1].pk), ["user_group_id"])]


@pytest.mark.django_db
def test_sign_up_records_patient_created(gql, world):
    result = data_of(gql("mutation($input: signUpInput) { signUp(input: $input) { user { id } } }", {"input": {
        "first_name": "Sol", "last_name": "Vega", "email": "sol@example.com", "password": "ember-walrus-harbor-62",
        "role": "patient", "dietitian_id": str(world.provider.pk)}}))
    assert recorded("patient.created") == [("patient.created", result["signUp"]["user"]["id"], None)]


@pytest.mark.django_db
def test_applied_tag_events(gql, world, keys):
    patient = world.patients[0]
    created = data_of(gql("mutation($u: ID) { createTag(input: {name: \"A\", taggable_user_id: $u}) { tag { id } } }",
                          {"u": str(patient.pk)}, key=keys["provider"]))["createTag"]["tag"]["id"]
    first = AppliedTag.objects.get(tag_id=created, user=patient)
    assert recorded() == [("applied_tag.created", str(first.pk), None)]
    other = Tag.objects.create(organization=world.org, user=world.provider, name="B")
    apply = "mutation($ids: [ID], $u: ID) { bulkApply(input: {ids: $ids, taggable_user_id: $u}) { tags { id } } }"
    data_of(gql(apply, {"ids": [created, str(other.pk)], "u": str(patient.pk)}, key=keys["provider"]))
    second = AppliedTag.objects.get(tag=other, user=patient)
    # Re-applying the first tag is not a new application.
    assert recorded("applied_tag.created") == [("applied_tag.created", str(first.pk), None),
                                               ("applied_tag.created", str(second.pk), None)]
    data_of(gql("mutation($id: ID, $u: ID) { removeAppliedTag(input: {id: $id, taggable_user_id: $u}) { tag { id } } }",
                {"id": str(other.pk), "u": str(patient.pk)}, key=keys["provider"]))
    assert recorded("applied_tag.deleted") == [("applied_tag.deleted", str(second.pk), None)]
    AppliedTag.objects.create(tag_id=created, user=world.patients[1])
    applications = list(AppliedTag.objects.filter(tag_id=created).order_by("id").values_list("pk", flat=True))
    data_of(gql("mutation($id: ID) { deleteTag(input: {id: $id}) { tag { id } } }", {"id": created},
                key=keys["provider"]))
    assert recorded("applied_tag.deleted")[1:] == [("applied_tag.deleted", str(pk), None) for pk in applications]


@pytest.mark.django_db
def test_emit_refuses_types_outside_the_catalog(world):
    with transaction.atomic(), pytest.raises(events.UnknownEventType):
        events.emit("patient.exploded", world.patients[0], organization_id=world.org.pk)
    with transaction.atomic(), pytest.raises(events.UnknownEventType):
        events.emit("Patient.Created", world.patients[0], organization_id=world.org.pk)
    assert recorded() == []


@pytest.mark.django_db(transaction=True)
def test_emit_outside_a_transaction_is_refused(world):
    with pytest.raises(RuntimeError):
        events.emit("patient.created", world.patients[0], organization_id=world.org.pk)
    assert recorded() == []


@pytest.fixture
def committed_hook(monkeypatch):
    """Collects the events whose transaction committed (the transports' on-commit hook)."""
    seen: list[str] = []
    monkeypatch.setattr(events, "_on_commit_hooks", [lambda event: seen.append(event.event_type)])
    return seen


@pytest.mark.django_db(transaction=True)
def test_rolled_back_outer_transaction_records_nothing(committed_hook):
    world = factories.world("Rollback Org")
    viewer = Viewer(user=world.provider)

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        patient_services.client_update(viewer, user_id=world.patients[0].pk, changes=ClientChanges(first_name="Ghost"))
        tag = tag_services.tag_create(viewer, name="Ghost tag", taggable_user_id=world.patients[0].pk)
        assert Event.objects.count() == 2 and tag.pk  # emitted inside the transaction...
        raise Abort()
    assert recorded() == []  # ...and gone with it
    assert committed_hook == []
    assert User.objects.get(pk=world.patients[0].pk).first_name != "Ghost"
    # A committed change is recorded and published exactly once.
    patient_services.client_update(viewer, user_id=world.patients[0].pk, changes=ClientChanges(first_name="Real"))
    assert recorded() == [("patient.updated", str(world.patients[0].pk), ["first_name"])]
    assert committed_hook == ["patient.updated"]


@pytest.mark.django_db(transaction=True)
def test_service_failing_after_emit_rolls_back_over_http(gql, committed_hook, monkeypatch):
    world = factories.world("Failing Org")
    key = factories.api_key(world.provider)

    def broken_mail(user):
        raise RuntimeError("mail system down")

    monkeypatch.setattr(mail, "welcome", broken_mail)
    result = gql(CREATE_CLIENT, {"input": {"first_name": "Half", "last_name": "Written",
                                           "email": "half@example.com"}}, key=key)
    assert error_codes(result) == ["INTERNAL"]
    assert not User.objects.filter(email="half@example.com").exists()
    assert recorded() == [] and committed_hook == []
