"""A patient the viewer may not see does not exist for them, through every path.

Nothing here is written per field: the queries are generated from the schema itself.

* The read sweep walks every root query field and every object-field path below it (to
  ``DEPTH`` hops, each field at most once per path), selecting every argument-free scalar on
  the way, and calls each root field with its defaults, with every Boolean argument switched
  on, with search strings naming the hidden patient, and with each ID-like argument set to
  every seed id (objects the viewer may see, which lead to the hidden patient through their
  relations, and objects of or only reachable through the hidden patient). No response may
  contain the hidden patient's id, name or e-mail, nor the id of anything only reachable
  through them; and an ID argument carrying a hidden object answers exactly like a missing id.
* The write table takes every ID-like field of every mutation input, gives it each hidden id
  and a missing id, and requires the same answer (``NOT_FOUND`` on that field for members)
  with nothing written.

Viewers: a provider restricted to their own patients (``can_see_all_clients: false``, every
other permission on), a patient, and the owner of another organization.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps as django_apps
from graphql import (
    GraphQLObjectType,
    get_named_type,
    is_input_object_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)

from apps.accounts.models import ApiKey, AppliedTag, Location, OrganizationMembership, Tag, User, UserGroup
from apps.accounts.viewer import Viewer
from apps.chat.models import ChatSetting, Conversation, ConversationMembership, MessageBlast, Note
from apps.core.crypto import encrypt, token_hash
from apps.forms.models import FormAnswer, FormAnswerGroup
from apps.scheduling.models import (
    Appointment,
    AppointmentAttendee,
    AppointmentProvider,
    AppointmentTypeCredit,
    RecurringAppointment,
)
from schema.context import Context
from schema.schema import schema
from tests import factories
from tests.scheduling.helpers import appointment, appt_type, settings_for, weekly
from webhooks.models import Attempt, Delivery, Webhook

pytestmark = pytest.mark.django_db

GRAPHQL = schema._schema
DEPTH = 3
TOKEN_BUDGET = 3000  # under the schema's MAX_TOKENS (5000) with the root call around it

# Distinctive ids: they cannot collide with the small ids of ordinary rows, so finding one as a
# substring of a response means the hidden object leaked.
HIDDEN_PATIENT_PK = 9_000_001
HIDDEN_LOCATION_PK = 9_000_101
HIDDEN_CREDIT_PK = 9_000_201
HIDDEN_KEY_PK = 9_000_301
HIDDEN_APPLIED_TAG_PK = 9_000_401
HIDDEN_CONVERSATION_PK = 9_000_501
HIDDEN_APPOINTMENT_PKS = {"own_calendar": 9_100_001, "as_additional": 9_100_002, "group": 9_100_003,
                          "org": 9_100_004, "deleted": 9_100_005, "recurring": 9_100_006}
MISSING_PK = 8_999_999
START = dt.datetime(2031, 3, 4, 15, 0, tzinfo=dt.UTC)  # a Tuesday


@dataclass
class Scene:
    owner: User
    restricted: User
    visible_patient: User
    hidden: User
    keys: dict[str, str]
    users: dict[str, User]
    seeds: dict[str, int]  # name -> id, for ID-like arguments
    hidden_ids: dict[str, int]  # objects of (or only reachable through) the hidden patient
    shared_group_pk: int
    extra: dict[str, Any] = field(default_factory=dict)

    def markers(self, viewer: str) -> dict[str, str]:
        found = {"hidden patient id": str(self.hidden.pk), "hidden name": self.hidden.last_name,
                 "hidden first name": self.hidden.first_name, "hidden e-mail": self.hidden.email.split("@")[0],
                 "hidden phone": self.hidden.phone_number}
        for name, pk in self.hidden_ids.items():
            # The patient attends the group appointment they share with the hidden patient.
            if not (viewer == "patient" and pk == self.shared_group_pk):
                found[name] = str(pk)
        return found


@pytest.fixture
def scene(world, other_world) -> Scene:
    org = world.org
    owner, restricted = world.owner, world.provider
    OrganizationMembership.objects.filter(user=restricted).update(
        can_see_all_clients=False, can_add_members=True, can_edit_members=True, is_developer=True)
    visible = world.patients[0]
    group = UserGroup.objects.create(organization=org, name="Evening group", invite_code="hidgrp1")
    spare_group = UserGroup.objects.create(organization=org, name="Spare group", invite_code="hidgrp2")
    hidden = User.objects.create(
        pk=HIDDEN_PATIENT_PK, organization=org, is_patient=True, dietitian=owner, user_group=group,
        first_name="Quillon", last_name="Zyxhidden", email="zyx.hiddenmail@example.com", phone_number="555-0177-31",
        dob=dt.date(1950, 5, 6), signup_token_hash=token_hash("hiddentokenvalue"), timezone="America/New_York",
        password=factories.password_hash(),
    )
    hidden.care_team.add(world.staff)
    kind = appt_type(org, name="Check-in", length=30)
    settings_for(owner)
    windows = [weekly(provider, 2, "08:00", "18:00", range_start=dt.date(2030, 1, 1))
               for provider in (owner, restricted)]
    Location.objects.create(pk=HIDDEN_LOCATION_PK, organization=org, user=hidden, city="Hiddenville")
    visible_location = Location.objects.create(organization=org, user=visible, city="Seenville")
    AppointmentTypeCredit.objects.create(pk=HIDDEN_CREDIT_PK, organization=org, user=hidden,
                                         appointment_type=kind, total_credits=2)
    AppointmentTypeCredit.objects.create(organization=org, user=visible, appointment_type=kind, total_credits=2)
    ApiKey.objects.create(pk=HIDDEN_KEY_PK, user=hidden, key_hash="f" * 64, displayable_key="cp_hid", name="h")
    own_tag = Tag.objects.create(organization=org, user=restricted, name="Restricted's tag")
    owner_tag = Tag.objects.create(organization=org, user=owner, name="Owner's tag")
    for tag in (own_tag, owner_tag):
        AppliedTag.objects.create(tag=tag, user=visible)
    AppliedTag.objects.create(tag=own_tag, user=hidden)
    applied = AppliedTag.objects.create(pk=HIDDEN_APPLIED_TAG_PK, tag=owner_tag, user=hidden)

    def hidden_appointment(name: str, provider: User, offset_hours: int, **fields: Any) -> Appointment:
        start = START + dt.timedelta(hours=offset_hours)
        item = Appointment.objects.create(
            pk=HIDDEN_APPOINTMENT_PKS[name], organization=org, provider=provider, user=hidden, appointment_type=kind,
            start=start, end=start + dt.timedelta(minutes=30), timezone="UTC", contact_type="In Person", **fields)
        AppointmentAttendee.objects.create(appointment=item, user=hidden)
        return item

    hidden_appointment("own_calendar", restricted, 0, notes="hidden clinical note")
    additional = hidden_appointment("as_additional", owner, 1)
    AppointmentProvider.objects.create(appointment=additional, user=restricted)
    hidden_appointment("org", owner, 2)
    hidden_appointment("deleted", owner, 3, deleted_at=START - dt.timedelta(days=400))
    series = RecurringAppointment.objects.create(organization=org, repeat_interval="Weekly", repeat_times=2)
    hidden_appointment("recurring", owner, 4, recurring_appointment=series)
    shared = Appointment.objects.create(
        pk=HIDDEN_APPOINTMENT_PKS["group"], organization=org, provider=owner, appointment_type=kind, is_group=True,
        start=START + dt.timedelta(hours=5), end=START + dt.timedelta(hours=5, minutes=30), timezone="UTC",
        contact_type="In Person")
    for person in (visible, hidden):
        AppointmentAttendee.objects.create(appointment=shared, user=person)
    AppointmentProvider.objects.create(appointment=shared, user=restricted)
    seen = appointment(restricted, visible, START + dt.timedelta(hours=-2), length=30, kind=kind)
    # The webhook delivery log names resources by id.
    hook = Webhook.objects.create(organization=org, url="https://hooks.example.com/h",
                                  secret_encrypted=encrypt("whsec_c2VjcmV0"))
    for event_type, resource, kind_name in (("patient.created", hidden.pk, "User"),
                                            ("appointment.created", HIDDEN_APPOINTMENT_PKS["own_calendar"],
                                             "Appointment"),
                                            ("applied_tag.created", applied.pk, "AppliedTag"),
                                            ("patient.created", visible.pk, "User")):
        delivery = Delivery.objects.create(webhook=hook, event_type=event_type, resource_id=str(resource),
                                           resource_id_type=kind_name, body="{}")
        Attempt.objects.create(delivery=delivery, organization=org, webhook=hook, event_type=event_type,
                               resource_id=str(resource), resource_id_type=kind_name, url=hook.url,
                               response_status=200, succeeded=True, created_at=START)

    # Chat: a conversation the hidden patient is in (the restricted provider is a member too, and
    # the hidden patient wrote in it), and one without them.
    hidden_chat = Conversation.objects.create(pk=HIDDEN_CONVERSATION_PK, organization=org, owner=owner,
                                              name="Zyxhidden chat", patient=hidden)
    for person in (owner, restricted, hidden):
        ConversationMembership.objects.create(conversation=hidden_chat, user=person, viewed=person != hidden)
    hidden_note = Note.objects.create(conversation=hidden_chat, user=hidden, content="hidden clinical message",
                                      delivered_at=START)
    Conversation.objects.filter(pk=hidden_chat.pk).update(last_note=hidden_note)
    seen_chat = Conversation.objects.create(organization=org, owner=owner, name="Seen chat", patient=visible)
    for person in (owner, restricted, visible):
        ConversationMembership.objects.create(conversation=seen_chat, user=person)
    ChatSetting.objects.create(user=restricted, content="Away")

    # Chat: the restricted provider's conversation with the visible patient, a note and a blast
    # (ids far from the hidden ones, so no hidden id names them by accident).
    chat = Conversation.objects.create(pk=8_800_001, organization=org, owner=restricted)
    for person in (restricted, visible):
        ConversationMembership.objects.create(conversation=chat, user=person)
    chat_note = Note.objects.create(pk=8_800_002, conversation=chat, user=restricted, content="Hi", delivered_at=START)
    blast = MessageBlast.objects.create(pk=8_800_003, organization=org, sender=restricted, content="Later",
                                        scheduled_at=START + dt.timedelta(days=400))
    blast.recipients.add(visible)
    # Forms: a template with one question and a filled-out form about the visible patient.
    form = factories.form_template(org, ("text", "Name"))
    question = form.custom_modules.get()
    filled = FormAnswerGroup.objects.create(pk=8_800_004, organization=org, custom_module_form=form, user=visible,
                                            filler=restricted, finished=True)
    keys = {"restricted": factories.api_key(restricted), "patient": factories.api_key(visible),
            "other_owner": factories.api_key(other_world.owner)}
    seeds = {"owner": owner.pk, "restricted": restricted.pk, "staff": world.staff.pk, "visible patient": visible.pk,
             "own tag": own_tag.pk, "owner tag": owner_tag.pk, "group": group.pk, "type": kind.pk,
             "visible appointment": seen.pk, "visible location": visible_location.pk,
             "recurring series": series.pk, "visible conversation": seen_chat.pk}
    hidden_ids = {"hidden location": HIDDEN_LOCATION_PK, "hidden credit": HIDDEN_CREDIT_PK,
                  "hidden api key": HIDDEN_KEY_PK, "hidden applied tag": HIDDEN_APPLIED_TAG_PK,
                  "hidden conversation": HIDDEN_CONVERSATION_PK,
                  **{f"appointment {k}": v for k, v in HIDDEN_APPOINTMENT_PKS.items()}}
    users = {"restricted": restricted, "patient": visible, "other_owner": other_world.owner}
    return Scene(owner, restricted, visible, hidden, keys, users, seeds, hidden_ids, HIDDEN_APPOINTMENT_PKS["group"],
                 extra={"type": kind, "spare_group": spare_group, "own_tag": own_tag, "seen": seen,
                        "visible_location": visible_location, "staff": world.staff,
                        "availability": windows[1], "chat": chat, "chat_note": chat_note, "blast": blast,
                        "form_question": _form_question(owner), "form": form, "question": question, "filled": filled,
                        "filled_answer": _filled_answer(org, form, question, visible, restricted),
                        **_forms_records(world, visible), **_billing_records(world, visible)})


def _billing_records(world, patient) -> dict[str, Any]:
    from decimal import Decimal

    from apps.billing.models import RequestedPayment, WriteOff

    invoice = RequestedPayment.objects.create(organization=world.org, sender=world.owner, recipient=patient,
                                              invoice_type="other", invoice_id="INV-H-1", price=Decimal("50.00"),
                                              services_provided="Visit")
    from apps.billing.models import Offering, Product

    return {"product": Product.objects.create(organization=world.org, name="Scale", price=Decimal("20.00")),
            "invoice": invoice, "write_off": WriteOff.objects.create(requested_payment=invoice,
                                                                     amount=Decimal("1.00")),
            "offering": Offering.objects.create(organization=world.org, name="Starter", price=Decimal("40.00"))}


def _form_question(owner):
    from apps.forms.models import CustomModule, CustomModuleForm

    form = CustomModuleForm.objects.create(organization_id=owner.organization_id, user=owner, name="Intake")
    return CustomModule.objects.create(custom_module_form=form, mod_type="text", label="Name")


def _forms_records(world, patient) -> dict[str, Any]:
    from apps.forms.models import RecurringForm, RequestedFormCompletion

    form = factories.requestable_form(world.org)
    flow = factories.onboarding_flow(world.org)
    recurring = RecurringForm.objects.create(organization=world.org, sender=world.owner, recipient=patient,
                                             custom_module_form=form, frequency="Daily")
    request = RequestedFormCompletion.objects.create(organization=world.org, sender=world.owner, recipient=patient,
                                                     custom_module_form=form, recurring_form=recurring)
    return {"request_form": form, "flow": flow, "recurring": recurring, "request": request,
            "form_item": factories.onboarding_item(flow, "Module Form", item_id=form.pk)}


VIEWERS = ["restricted", "patient", "other_owner"]


# ---- generating documents from the schema ----------------------------------------------------


def _tokens(text: str) -> int:
    return len(text.replace("{", " { ").replace("}", " } ").replace(":", " : ").split())


def _callable(f) -> bool:
    return not any(is_non_null_type(a.type) for a in f.args.values())


def _bodies(t: GraphQLObjectType, depth: int, used: frozenset) -> list[str]:
    """Selection bodies for ``t`` covering every path to ``depth`` hops, each under the budget."""
    leaves = [name for name, f in t.fields.items() if _callable(f) and is_leaf_type(get_named_type(f.type))]
    pieces: list[str] = []
    if depth > 0:
        for name, f in t.fields.items():
            target = get_named_type(f.type)
            if _callable(f) and is_object_type(target) and (t.name, name) not in used:
                for sub in _bodies(target, depth - 1, used | {(t.name, name)}):
                    pieces.append(f"{name} {{ {sub} }}")
    base = " ".join(["__typename", *leaves])
    bodies, current = [], []
    for piece in pieces:
        if current and _tokens(" ".join([base, *current, piece])) > TOKEN_BUDGET:
            bodies.append(" ".join([base, *current]))
            current = []
        current.append(piece)
    bodies.append(" ".join([base, *current]))
    return bodies


def _is_id_like(name: str) -> bool:
    return name in ("id", "ids", "providers") or name.endswith(("_id", "_ids"))


def _literal(value: Any) -> str:
    return json.dumps(value)


def _arg_value(arg_type, value: Any) -> Any:
    named = get_named_type(arg_type)
    if is_list_type(arg_type.of_type if is_non_null_type(arg_type) else arg_type):
        return [str(value)]
    return value if named.name in ("Int", "Boolean") else str(value)


def _root_calls(name: str, f, scene: Scene) -> list[tuple[str, dict[str, Any], bool]]:
    """(label, arguments, hidden) for one root field: defaults, switches on, searches, every seed id."""
    base = dict(NEEDED.get(name, lambda s: {})(scene))
    calls = [("defaults", base, False)]
    booleans = {a: True for a, v in f.args.items() if get_named_type(v.type).name == "Boolean"}
    if booleans:
        calls.append(("every switch on", {**base, **booleans, **{a: v for a, v in WIDE.items() if a in f.args}},
                      False))
    for arg, v in f.args.items():
        if arg in SEARCH:
            for text in (scene.hidden.last_name, scene.hidden.email):
                calls.append((f"{arg}={text}", {**base, arg: text}, False))
        if arg in WIDE and arg not in booleans:
            calls.append((f"{arg}={WIDE[arg]}", {**base, arg: WIDE[arg]}, False))
        if _is_id_like(arg):
            for label, pk in scene.seeds.items():
                calls.append((f"{arg}={label}", {**base, arg: _arg_value(v.type, pk)}, False))
            for label, pk in {"hidden patient": scene.hidden.pk, **scene.hidden_ids}.items():
                calls.append((f"{arg}={label}", {**base, arg: _arg_value(v.type, pk)}, True))
    return calls


def _document(name: str, f, body: str | None) -> str:
    """Every argument is a variable, so one document (parsed and validated once) serves every call."""
    declared = ", ".join(f"${a}: {v.type}" for a, v in f.args.items())
    call = name + (("(" + ", ".join(f"{a}: ${a}" for a in f.args) + ")") if f.args else "")
    return f"query Sweep{f'({declared})' if declared else ''} {{ {call}{f' {{ {body} }}' if body else ''} }}"


def _execute(document: str, variables: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
    result = schema.execute_sync(document, variable_values=variables, operation_name="Sweep",
                                 context_value=Context(request=None, response=None, viewer=viewer))
    answer: dict[str, Any] = {"data": result.data}
    if result.errors:
        answer["errors"] = [error.formatted for error in result.errors]
    return answer


# Arguments a root field cannot do without (booking reads name a provider, a type and a range).
NEEDED = {
    "appointmentBookingWarnings": lambda s: {"provider_id": str(s.owner.pk), "appointment_type_id": str(
        s.extra["type"].pk), "date": START.date().isoformat(), "time": "10 00", "timezone": "America/New_York",
        "attendee_ids": str(s.visible_patient.pk)},
    "daysAvailableForRange": lambda s: {"provider_id": str(s.owner.pk), "appt_type_id": str(s.extra["type"].pk),
                                        "date_from_month": START.date().isoformat()},
    "availableSlotsForRange": lambda s: {"provider_id": str(s.owner.pk), "appt_type_id": str(s.extra["type"].pk),
                                         "start_date": START.date().isoformat(),
                                         "end_date": (START.date() + dt.timedelta(days=2)).isoformat()},
    "nextAvailableSlot": lambda s: {"provider_id": str(s.owner.pk), "appt_type_id": str(s.extra["type"].pk),
                                    "start_date": START.date().isoformat()},
}
# Values that widen a list (beyond its defaults) when sent; Booleans are all switched on together.
WIDE: dict[str, Any] = {"filter": "all", "should_paginate": False, "is_active": False, "clients_can_book": None,
                        "limited_to_provider": False, "active_status": "all"}
SEARCH = ("keywords", "email", "current_email")


def _leaks(response: dict[str, Any], markers: dict[str, str]) -> list[str]:
    text = json.dumps(response)
    return [label for label, value in markers.items() if value and value in text]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_no_path_reaches_a_hidden_patient(scene, viewer):
    who = Viewer(user=scene.users[viewer])
    markers = scene.markers(viewer)
    leaks: list[str] = []
    differs: list[str] = []
    calls = 0
    for name, f in GRAPHQL.query_type.fields.items():
        target = get_named_type(f.type)
        documents = [_document(name, f, body) for body in
                     (_bodies(target, DEPTH, frozenset()) if is_object_type(target) else [None])]
        # The root's own fields only: enough to see which rows an argument picks.
        rows = _document(name, f, _bodies(target, 0, frozenset())[0]) if is_object_type(target) else documents[0]
        missing_answers: dict[str, Any] = {}
        is_list = is_list_type(f.type.of_type if is_non_null_type(f.type) else f.type)
        for label, args, hidden in _root_calls(name, f, scene):
            if viewer == "patient" and any(v in (str(scene.shared_group_pk), [str(scene.shared_group_pk)])
                                           for v in args.values()):
                continue  # the patient attends that appointment
            # A hidden id must answer exactly like a missing one, which shows nothing below the root
            # either; so the root's own fields suffice. On a list, an id argument only picks rows
            # (their ids are root fields): every path below them is walked by the calls without
            # it. On a single object, a visible seed walks every path.
            walk = documents if label in ("defaults", "every switch on") or not is_list else [rows]
            for document in [rows] if hidden else walk:
                calls += 1
                answer = _execute(document, args, who)
                found = _leaks(answer, markers)
                if found:
                    leaks.append(f"{name}({label}) {found}")
                    break
                if not answer["data"] or not answer["data"][name]:
                    break  # refused, not found or empty: the other documents would show nothing either
            if hidden:
                arg = label.split("=", 1)[0]
                if arg not in missing_answers:
                    missing_args = {**args, arg: _arg_value(f.args[arg].type, MISSING_PK)}
                    missing_answers[arg] = _execute(rows, missing_args, who)
                if answer != missing_answers[arg]:
                    differs.append(f"{name}({label})")
    assert calls > 500  # the sweep really walked the schema
    assert not leaks, f"{len(leaks)} leaks:\n" + "\n".join(leaks)
    assert not differs, f"{len(differs)} answers differ from a missing id:\n" + "\n".join(differs)


# ---- writes ----------------------------------------------------------------------------------


def _input_fields(t, prefix: tuple = ()) -> list[tuple[tuple[str, ...], Any]]:
    out = []
    for name, f in t.fields.items():
        named = get_named_type(f.type)
        if is_input_object_type(named):
            out += _input_fields(named, (*prefix, name))
        else:
            out.append(((*prefix, name), f.type))
    return out


# Minimal valid inputs: with a visible id in the tested field each would succeed, so the only
# thing that can go wrong is the id under test.
def _bases(s: Scene) -> dict[str, dict[str, Any]]:
    kind, seen = str(s.extra["type"].pk), s.extra["seen"]
    return {
        "createApiKey": {"name": "k"},
        "signUp": {"first_name": "New", "last_name": "Person", "email": "new.person@example.com",
                   "password": factories.PASSWORD + "x"},
        "createClient": {"first_name": "New", "last_name": "Client", "email": "new.client@example.com"},
        "updateClient": {"id": str(s.visible_patient.pk), "first_name": "Changed",
                         "appointment_type_credits_attributes": [{"appointment_type_id": kind, "total_credits": 3}]},
        "bulkUpdateClients": {"ids": [str(s.visible_patient.pk)], "active_status": False},
        "updateUser": {"id": str(s.visible_patient.pk), "first_name": "Changed"},
        "createOrganizationMembership": {"first_name": "New", "last_name": "Member", "email": "new.member@example.com"},
        "updateOrganizationMembership": {"id": str(s.extra["staff"].membership.pk), "title": "Changed"},
        "updateUserGroup": {"name": "Changed"},
        "deleteUserGroup": {"id": str(s.extra["spare_group"].pk)},
        "createTag": {"name": "New tag"},
        "updateTag": {"name": "Changed"},
        "bulkApply": {"ids": [str(s.extra["own_tag"].pk)], "taggable_user_id": str(s.visible_patient.pk)},
        "removeAppliedTag": {"id": str(s.extra["own_tag"].pk), "taggable_user_id": str(s.visible_patient.pk)},
        "createLocation": {"city": "Newtown"},
        "updateLocation": {"city": "Changed"},
        "updateAnnouncement": {"title": "Changed"},
        "createWebhook": {"url": "https://hooks.example.com/x", "webhook_events": [{"event_type": "patient.created"}]},
        "updateWebhook": {"url": "https://hooks.example.com/y"},
        "createAppointmentType": {"name": "New type", "length": 30},
        "updateAppointmentType": {"id": kind, "name": "Changed"},
        "createAppointmentSetting": {"buffer": "5"},
        "updateAppointmentSetting": {"buffer": "5"},
        "createAvailability": {"day_of_week": 3, "is_repeating": True, "range_start": "2031-01-01",
                               "time": "09 00", "end_time": "10 00"},
        "editAvailability": {"id": str(s.extra["availability"].pk), "day_of_week": 3, "time": "09 00",
                             "end_time": "10 00"},
        "createAppointment": {"appointment_type_id": kind, "contact_type": "In Person",
                              "datetime": "2031-05-06T15:00:00Z"},
        "updateAppointment": {"id": str(seen.pk), "notes": "changed"},
        "createNote": {"conversation_id": str(s.extra["chat"].pk), "content": "Hello"},
        "unlockFormAnswerGroup": {"description": "Correction"},
        "updateGeneratedFormAnswerGroupFeedback": {"feedback": "Fine"},
        "updateNote": {"id": str(s.extra["chat_note"].pk), "content": "Changed"},
        "updateNoteScheduler": {"id": str(s.extra["blast"].pk)},
        "createFormAnswerGroup": {"custom_module_form_id": str(s.extra["form"].pk),
                                  "user_id": str(s.visible_patient.pk),
                                  "form_answers": [{"custom_module_id": str(s.extra["question"].pk), "answer": "x"}]},
        "updateFormAnswerGroup": {"id": str(s.extra["filled"].pk),
                                  "form_answers": [{"custom_module_id": str(s.extra["question"].pk), "answer": "y"}]},
        "deleteFormAnswerGroup": {"id": str(s.extra["filled"].pk)},
        "createClientViaForm": {"custom_module_form_id": str(s.extra["form"].pk), "first_name": "Via",
                                "last_name": "Form", "email": "via.form@example.com",
                                "form_answers": [{"custom_module_id": str(s.extra["question"].pk), "answer": "x"}]},
        "createFormAnswerFileAttachment": {"form_answer_id": str(s.extra["filled_answer"].pk)},
        "createMessageBlast": {"note": {"content": "Hello all"}},
        "createCustomModule": {"custom_module_form_id": str(s.extra["form_question"].custom_module_form_id),
                               "mod_type": "text"},
        "updateCustomModule": {"id": str(s.extra["form_question"].pk)},
        "createCustomModuleFileAttachment": {"custom_module_id": str(s.extra["form_question"].pk)},
        "deleteOnboardingFlow": {"id": str(s.extra["flow"].pk)},
        "createOnboardingItem": {"onboarding_flow_id": str(s.extra["flow"].pk), "item_type": "Module Form",
                                 "is_skippable": True},
        "updateOnboardingItem": {"id": str(s.extra["form_item"].pk)},
        "createCompletedOnboardingItem": {"onboarding_item_id": str(s.extra["form_item"].pk),
                                          "user_id": str(s.visible_patient.pk), "skipped": False},
        "createRequestedFormCompletion": {"recipient_ids": str(s.visible_patient.pk),
                                          "form": str(s.extra["request_form"].pk)},
        "deleteRequestedFormCompletion": {"id": str(s.extra["request"].pk)},
        "updateRecurringForm": {"id": str(s.extra["recurring"].pk)},
        "createRequestedPayment": {"invoice_type": "other", "price": "10", "services_provided": "Visit",
                                   "recipient_id": str(s.visible_patient.pk),
                                   "write_offs": [{"amount": 1, "write_off_type": "DISCOUNT"}]},
        "updateRequestedPayment": {"id": str(s.extra["invoice"].pk),
                                   "write_offs": [{"amount": 1, "write_off_type": "DISCOUNT"}]},
        "createOffering": {"name": "Starter", "price": "40",
                           "offering_includes": [{"appointment_type_id": kind, "quantity": "1"}],
                           "offering_products": [{"product": {"id": str(s.extra["product"].pk)}}]},
        "updateOffering": {"id": str(s.extra["offering"].pk),
                           "offering_includes": [{"appointment_type_id": kind, "quantity": "1"}],
                           "offering_products": [{"product": {"id": str(s.extra["product"].pk)}}]},
        "createOfferingCoupon": {"code": "SAVE10", "amount_off": "10"},
        "updateUserAppointmentPricing": {"user_id": str(s.visible_patient.pk),
                                         "advance_appointment_prices": [{"appointment_type_id": kind,
                                                                         "price": "10"}]},
        "createWriteOff": {"requested_payment_id": str(s.extra["invoice"].pk), "amount": 1,
                           "write_off_type": "DISCOUNT"},
        "updateWriteOff": {"id": str(s.extra["write_off"].pk)},
        "completeCheckout": {"appointment_type_id": kind, "contact_type": "In Person", "provider_id": str(s.owner.pk),
                             "date": "2031-03-11 10:00:00 -0400", "timezone": "America/New_York",
                             "first_name": "New", "last_name": "Booker", "email": "new.booker@example.com"},
    }


# Ids that are not looked up: stored as given (they name records of domains that do not exist
# yet) or ignored by the service.
OPAQUE = {("updateClient", "requested_form_completion_id"),
          # A filled-out form's external_id is the integrator's own reference, not one of our ids.
          ("createFormAnswerGroup", "external_id"), ("updateFormAnswerGroup", "external_id"),
          ("updateUserGroup", "onboarding_flow_id"),
          ("updateOrganizationMembership", "organization_id"), ("createWebhook", "webhook_events.id"),
          ("updateWebhook", "webhook_events.id"),
          # Forms: the integrator's own identifiers, stored as given; tagging on completion is not built.
          *{(name, field) for name in ("createCustomModuleForm", "updateCustomModuleForm", "createCustomModule",
                                       "updateCustomModule") for field in ("external_id", "external_id_type")},
          ("createCustomModuleForm", "on_completion_ifs_tag_id"),
          ("updateCustomModuleForm", "on_completion_ifs_tag_id"),
          # A question has one condition: its id is not needed to find it.
          ("updateCustomModule", "custom_module_condition.id"),
          # A recurring form has exactly one recipient: these published arguments are accepted, ignored.
          ("deleteRecurringForm", "connectable_id"), ("updateRecurringForm", "recipient_ids"),
          # Packages: ids of features this platform does not have (programs, labs, meal plans, package
          # images, embedded forms) are refused with a "not available" message whatever their value.
          *{(name, field) for name in ("createOffering", "updateOffering")
            for field in ("course_id", "course_ids", "lab_option_ids", "living_plate_meal_plan_id",
                          "selected_image_id", "embed_question_form_id")},
          # A package's product link has no id of its own (the product's id names it), and an
          # include's id means nothing on a package being created.
          ("createOffering", "offering_products.id"), ("updateOffering", "offering_products.id"),
          ("createOffering", "offering_includes.id")}


def _with(base: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    result = json.loads(json.dumps(base))
    target = result
    for step in path[:-1]:
        current = target.get(step)
        target = current[0] if isinstance(current, list) else target.setdefault(step, {})
    target[path[-1]] = value
    return result


def _snapshot() -> dict[str, list]:
    rows = {}
    for label in ("accounts", "scheduling", "events", "webhooks", "announcements", "jobs", "core", "chat", "forms",
                  "uploads", "billing"):
        try:
            config = django_apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            fields = [f.attname for f in model._meta.concrete_fields if f.attname != "last_used_at"]
            rows[model._meta.label] = list(model.objects.order_by("pk").values_list(*fields))
    return rows


def _filled_answer(org, form, question, patient, filler) -> FormAnswer:
    """An answer on its own filled-out form (the base of createFormAnswerFileAttachment's upload_id)."""
    group = FormAnswerGroup.objects.create(organization=org, custom_module_form=form, user=patient, filler=filler,
                                           finished=True)
    return FormAnswer.objects.create(form_answer_group=group, custom_module=question, answer="x")


def _mutation_cases() -> list[tuple[str, tuple[str, ...]]]:
    cases = []
    for name, f in GRAPHQL.mutation_type.fields.items():
        if "input" not in f.args:
            continue
        for path, _ in _input_fields(get_named_type(f.args["input"].type)):
            if _is_id_like(path[-1]) and (name, ".".join(path)) not in OPAQUE:
                cases.append((name, path))
    return cases


def _field_name(path: tuple[str, ...]) -> str:
    # Nested list items are reported like ``appointment_type_credits_attributes[0].id``.
    return ".".join(f"{step}[0]" if i < len(path) - 1 else step for i, step in enumerate(path))


@pytest.mark.parametrize("viewer", ["restricted", "other_owner", "patient"])
def test_every_mutation_id_treats_hidden_like_missing(gql, scene, viewer):
    key = scene.keys[viewer]
    bases = _bases(scene)
    # One of each kind of hidden object (the reads walk them all).
    hidden_values = {"hidden patient": scene.hidden.pk, **{k: v for k, v in scene.hidden_ids.items() if k in (
        "hidden location", "hidden credit", "hidden api key", "appointment own_calendar", "appointment group")}}
    failures: list[str] = []
    cases = _mutation_cases()
    assert len(cases) > 30
    for name, path in cases:
        input_type = get_named_type(GRAPHQL.mutation_type.fields[name].args["input"].type)
        field_type = dict(_input_fields(input_type))[path]

        document = (f"mutation M($input: {GRAPHQL.mutation_type.fields[name].args['input'].type}) "
                    f"{{ {name}(input: $input) {{ messages {{ field message code }} }} }}")

        base = bases.get(name, {})

        def call(pk: int, document=document, base=base, path=path, field_type=field_type):
            variables = {"input": _with(base, path, _arg_value(field_type, pk))}
            return gql(document, variables, key=key)

        before = _snapshot()
        missing = call(MISSING_PK)
        # The restricted provider holds every permission these mutations ask for, except those
        # only the owner or patients have; everywhere else the id must be the one thing refused.
        forbidden = [e for e in missing.get("errors") or [] if e.get("extensions", {}).get("code") == "FORBIDDEN"]
        if viewer == "restricted" and not forbidden:
            messages = (missing.get("data") or {}).get(name, {}) or {}
            codes = {(m["field"], m["code"]) for m in messages.get("messages") or []}
            # Nested objects are not always lists; forms name list items ``form_answers.0.custom_module_id``.
            named = {_field_name(path), ".".join(path), path[-1],
                     ".".join(f"{step}.0" if i < len(path) - 1 else step for i, step in enumerate(path)),
                     # Billing names only list steps with an index: ``offering_products[0].product.id``,
                     # and the item of a list of ids: ``offering_ids[0]``.
                     ".".join([f"{path[0]}[0]", *path[1:]]), f"{path[-1]}[0]"}
            if not any((name_, "NOT_FOUND") in codes for name_ in named):
                failures.append(f"{name}.{'.'.join(path)}: a missing id answers {missing}")
        for label, pk in hidden_values.items():
            if viewer == "patient" and pk == scene.shared_group_pk:
                continue
            answer = call(pk)
            if answer != missing:
                failures.append(f"{name}.{'.'.join(path)}={label}: {answer} != {missing}")
        if _snapshot() != before:
            failures.append(f"{name}.{'.'.join(path)}: something was written")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)


def test_a_hidden_appointment_is_anonymous_busy_time_in_booking_warnings(gql, scene):
    query = """query($provider_id: ID, $type: ID, $current: ID) { appointmentBookingWarnings(
        provider_id: $provider_id, appointment_type_id: $type, date: "2031-03-04", time: "10 00",
        timezone: "America/New_York", current_appt_id: $current) {
        category potential_issues potential_issue_ids } }"""
    for current in (None, str(HIDDEN_APPOINTMENT_PKS["own_calendar"])):
        answer = gql(query, {"provider_id": str(scene.restricted.pk), "type": str(scene.extra["type"].pk),
                             "current": current},
                     key=scene.keys["restricted"])
        assert answer == {"data": {"appointmentBookingWarnings": [{
            "category": "Event Conflicts", "potential_issues": ["Busy - Mar 4, 10:00 AM EST"],
            "potential_issue_ids": []}]}}


def test_user_fields_read_through_the_scope_without_a_query_per_row(gql, scene, count_queries):
    """Every user field prefetches through the viewer's scope: the SQL count of a page does not
    grow with its size, for a restricted member as for the owner."""
    kind = scene.extra["type"]
    for n in range(14):
        item = appointment(scene.owner, scene.visible_patient, START + dt.timedelta(days=1 + n), length=30, kind=kind)
        AppointmentProvider.objects.create(appointment=item, user=scene.restricted)
    query = """query($n: Int) { appointments(is_org: true, filter: "all", should_paginate: true, page_size: $n) {
        id user { id dietitian { id } care_team { id } } attendees { id tags { id user { id } tagged_users { id } } }
        providers { id } provider { id locations { id } } } }"""
    owner_key = factories.api_key(scene.owner)
    for key in (scene.keys["restricted"], owner_key):
        gql("{ currentUser { id } }", key=key)
        small, small_count = count_queries(lambda key=key: gql(query, {"n": 3}, key=key))
        large, large_count = count_queries(lambda key=key: gql(query, {"n": 14}, key=key))
        assert len(small["data"]["appointments"]) == 3 and len(large["data"]["appointments"]) == 14
        assert "Zyxhidden" not in json.dumps(large) or key == owner_key
        assert small_count == large_count
