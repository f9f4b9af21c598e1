"""Two-person conversations the platform creates itself, between a patient and one provider.

Always for the patient's primary provider (``User.dietitian``); for a care-team provider only
when that provider's membership asks for it (``auto_create_convo_for_care_team``). Never twice
for the same pair: the model's unique constraint on automatic (patient, provider) is the guard,
so a concurrent second attempt finds the first one instead.

The accounts services do not know chat: ``ChatConfig.ready`` registers ``on_event`` as an
in-transaction hook of the event bus, so a patient created or updated with a primary provider
(``patient.created``; ``patient.updated`` naming ``dietitian_id``) gets the conversation in the
same transaction, whichever path assigned the provider (createClient, updateClient, signUp,
booking).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.chat.models import Conversation
from apps.chat.services.conversations import add_member
from apps.core.lookup import parse_id
from apps.events.models import Event


def ensure_automatic_conversation(patient: User, provider: User) -> Conversation | None:
    """The automatic conversation of ``patient`` and ``provider``, created when missing.

    Precondition: inside the transaction that gave the patient this provider. Returns None
    when the two cannot talk (not a patient and a provider of one organization)."""
    if not patient.is_patient or provider.is_patient or patient.organization_id != provider.organization_id:
        return None
    existing = Conversation.objects.filter(automatic=True, patient=patient, provider=provider).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                organization_id=patient.organization_id, owner=provider, automatic=True,
                patient=patient, provider=provider,
            )
            for user in (provider, patient):
                add_member(conversation, user, creator=None)
    except IntegrityError:
        return Conversation.objects.filter(automatic=True, patient=patient, provider=provider).first()
    return conversation


def care_team_member_added(patient: User, provider: User) -> Conversation | None:
    """For the code that puts a provider on a patient's care team: the conversation, when the
    provider's membership asks for one."""
    membership = getattr(provider, "membership", None)
    if membership is None or not membership.auto_create_convo_for_care_team:
        return None
    return ensure_automatic_conversation(patient, provider)


def on_event(event: Event) -> None:
    """In-transaction hook of ``apps.events.bus``: a patient got (or was created with) a primary provider."""
    provider_assigned = event.event_type == "patient.created" or (
        event.event_type == "patient.updated" and "dietitian_id" in (event.changed_fields or []))
    if not provider_assigned:
        return
    pk = parse_id(event.resource_id)
    patient = User.objects.select_related("dietitian").filter(pk=pk, is_patient=True).first() if pk else None
    if patient is not None and patient.dietitian is not None:
        ensure_automatic_conversation(patient, patient.dietitian)
