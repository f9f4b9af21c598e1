"""``client_find_or_create``: the one way a caller without an account (checkout) gets a patient."""

from __future__ import annotations

import pytest
from django.core import mail

from apps.accounts.models import User
from apps.accounts.services import patients
from apps.core import jobs
from apps.core.crypto import token_hash
from apps.core.errors import ValidationFailed
from apps.events.models import Event
from tests import factories

pytestmark = pytest.mark.django_db


def test_creates_like_create_client_then_reuses_the_same_person(world):
    client = patients.client_find_or_create(provider=world.provider, first_name=" Ada ", last_name="Lovelace",
                                            email="Ada@Example.com", phone_number="555-0100",
                                            timezone="America/New_York")
    assert jobs.drain() == 1  # the welcome e-mail is a durable job, sent by the worker
    assert (client.organization_id, client.dietitian_id, client.is_patient) == (world.org.pk, world.provider.pk, True)
    assert (client.first_name, client.email, client.timezone, client.phone_number) == (
        "Ada", "ada@example.com", "America/New_York", "555-0100")
    assert client.signup_token_hash and not client.has_usable_password()
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]  # the welcome e-mail, as createClient sends
    assert token_hash(factories.invitation_code(mail.outbox[0].body)) == client.signup_token_hash
    # (chat then adds the automatic conversation with the primary provider: its membership events)
    assert list(Event.objects.filter(event_type="patient.created").values_list(
        "event_type", "resource_id", "actor_id")) == [("patient.created", str(client.pk), None)]
    # The documented uniqueness rule names the person: same organization, e-mail and name (any case).
    again = patients.client_find_or_create(provider=world.staff, first_name="ADA", last_name="lovelace",
                                           email="ada@example.com")
    assert jobs.drain() == 0
    assert again.pk == client.pk
    assert len(mail.outbox) == 1 and Event.objects.filter(event_type="patient.created").count() == 1


def test_refuses_what_create_client_refuses_and_writes_nothing(world):
    before = User.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        patients.client_find_or_create(provider=world.provider, first_name="", last_name="Lovelace",
                                       email="not-an-email", timezone="Mars/Olympus")
    assert [(m.field, m.message) for m in refused.value.messages] == [
        ("first_name", "First name can't be blank"),
        ("email", "is not a valid e-mail address"),
        ("timezone", "is not a known timezone (use an IANA name like America/New_York)"),
    ]
    with pytest.raises(ValidationFailed) as blank:
        patients.client_find_or_create(provider=world.provider, first_name="Ada", last_name="Lovelace", email=None)
    assert [(m.field, m.message) for m in blank.value.messages] == [("email", "Email can't be blank")]
    assert User.objects.count() == before and not Event.objects.exists()
