"""An ID is ASCII digits or it names nothing (``apps.core.lookup.parse_id``).

``str.isdigit`` also accepts superscripts (``int()`` then raises: INTERNAL) and other scripts'
digits (``int()`` silently reads them: ``user(id: "٥")`` read user 5). Every spelling below
is derived from the id of a record the caller CAN read, so a lenient parser would find it;
the answer must be the one for an id that names nothing, never the record, never INTERNAL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from graphql import get_named_type, is_leaf_type

from apps.accounts.models import User, UserGroup
from apps.announcements.models import Announcement
from apps.chat.models import ChatSetting, Conversation, ConversationMembership
from apps.core.crypto import encrypt
from apps.events.models import Event
from apps.scheduling.models import Appointment, AppointmentType
from tests import factories
from tests.conftest import data_of
from tests.scheduling import helpers
from webhooks.models import Webhook

pytestmark = pytest.mark.django_db

ARABIC_INDIC, FULLWIDTH, SUPERSCRIPT = "٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９", "⁰¹²³⁴⁵⁶⁷⁸⁹"


def _digits(pk: str, script: str) -> str:
    return pk.translate(str.maketrans("0123456789", script))


# Spellings of ``pk`` that are not an id. Names are test ids; values build the argument.
SPELLINGS: dict[str, Callable[[str], str]] = {
    "superscript": lambda pk: _digits(pk, SUPERSCRIPT),          # like "²": int() raises
    "arabic-indic": lambda pk: _digits(pk, ARABIC_INDIC),        # like "٥": int() reads pk
    "fullwidth": lambda pk: _digits(pk, FULLWIDTH),              # like "５": int() reads pk
    "mixed": lambda pk: "0" + pk[:-1] + _digits(pk[-1], ARABIC_INDIC),  # like "1٥": int() reads pk
    "leading space": lambda pk: f" {pk}",
    "trailing space": lambda pk: f"{pk} ",
    "trailing newline": lambda pk: f"{pk}\n",
    "plus sign": lambda pk: f"+{pk}",
    "hex": lambda pk: f"0x{int(pk):x}",
    "decimal": lambda pk: f"{pk}.0",
    "19 digits": lambda pk: pk.zfill(19),                        # int() reads pk; too long for an id
    "19 nines": lambda pk: "9" * 19,                             # beyond a 64-bit database id
}


def _id_lookups() -> list[str]:
    """Root query fields taking an ``id: ID`` argument and returning an object, read from the live
    schema (a scalar answer such as ``noteViewedStatus`` is checked by its domain's tests)."""
    from schema.schema import schema

    return sorted(name for name, field in schema._schema.query_type.fields.items()
                  if "id" in field.args and get_named_type(field.args["id"].type).name == "ID"
                  and not is_leaf_type(get_named_type(field.type)))


@pytest.fixture
def readable(world) -> dict[str, str]:
    """For each lookup field, the id of a record the owner can read through it."""
    kind = helpers.appt_type(world.org)
    appointment = helpers.appointment(world.provider, world.patients[0], dt.datetime(2030, 10, 7, 13, tzinfo=dt.UTC),
                                      kind=kind)
    return {name: str(pk) for name, pk in {
        "user": world.patients[0].pk,
        "organization": world.org.pk,
        "userGroup": UserGroup.objects.create(organization=world.org, name="Respite").pk,
        "announcement": Announcement.objects.create(organization=world.org, user=world.owner, title="Hi").pk,
        "webhook": Webhook.objects.create(organization=world.org, url="https://example.com/hooks",
                                          secret_encrypted=encrypt("whsec_test")).pk,
        "appointmentType": kind.pk,
        "appointmentSetting": helpers.settings_for(world.provider).pk,
        "availability": helpers.weekly(world.provider, 1).pk,
        "appointment": appointment.pk,
        **_chat_records(world),
        **_charting_records(world),
        "customModuleForm": _form(world),
        "formAnswerGroup": _filled_form(world),
        **_forms_records(world),
        **_billing_records(world),
    }.items()}


def _billing_records(world) -> dict[str, int]:
    from decimal import Decimal

    from apps.billing.models import (
        BillingItem,
        ChargeBack,
        Offering,
        RecurringPayment,
        RequestedPayment,
        StripeAccount,
        WriteOff,
    )

    item = BillingItem.objects.create(organization=world.org, sender=world.patients[0], amount_paid="10.00",
                                      is_outside_payment=True, payment_medium="cash")
    dispute = ChargeBack.objects.create(organization=world.org, billing_item=item, stripe_dispute_id="dp_ids",
                                        disputed_amount="10.00")
    invoice = RequestedPayment.objects.create(organization=world.org, sender=world.owner, recipient=world.patients[0],
                                              invoice_type="other", invoice_id="INV-T-1", price=Decimal("10.00"))
    write_off = WriteOff.objects.create(requested_payment=invoice, amount=Decimal("1.00"))
    account = StripeAccount.objects.create(organization=world.org, secret_key_encrypted=encrypt("sk_test_x"),
                                           publishable_key="pk_test_x")
    offering = Offering.objects.create(organization=world.org, name="Plan", price=Decimal("10.00"),
                                       billing_frequency="Monthly")
    plan = RecurringPayment.objects.create(organization=world.org, sender=world.patients[0], offering=offering,
                                           billing_frequency="Monthly", original_price=Decimal("10.00"),
                                           amount_to_pay=Decimal("10.00"),
                                           start_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    return {"billingItem": item.pk, "chargeBack": dispute.pk, "requestedPayment": invoice.pk,
            "writeOff": write_off.pk, "payoutAccount": account.pk, "offering": offering.pk,
            "recurringPayment": plan.pk}


def _form(world) -> int:
    from apps.forms.models import CustomModuleForm

    return CustomModuleForm.objects.create(organization=world.org, user=world.owner, name="Intake").pk


def _charting_records(world) -> dict[str, int]:
    from apps.forms.models import ChartingNoteAddendum, CustomModuleForm, FormAnswerGroup

    form = CustomModuleForm.objects.create(organization=world.org, name="SOAP", use_for_charting=True)
    group = FormAnswerGroup.objects.create(organization=world.org, custom_module_form=form, user=world.patients[0],
                                           filler=world.owner, locked_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    addendum = ChartingNoteAddendum.objects.create(form_answer_group=group, user=world.owner, content="Later")
    return {"chartingNoteAddendum": addendum.pk}


def _filled_form(world) -> int:
    from apps.forms.models import FormAnswerGroup

    template = factories.form_template(world.org, ("text", "Name"))
    return FormAnswerGroup.objects.create(organization=world.org, custom_module_form=template,
                                          user=world.patients[0], finished=True).pk


def _forms_records(world) -> dict[str, int]:
    from apps.forms.models import CompletedOnboardingItem, RequestedFormCompletion

    flow = factories.onboarding_flow(world.org)
    item = factories.onboarding_item(flow)
    completed = CompletedOnboardingItem.objects.create(user=world.patients[0], onboarding_item=item)
    request = RequestedFormCompletion.objects.create(organization=world.org, sender=world.owner,
                                                     recipient=world.patients[0],
                                                     custom_module_form=factories.requestable_form(world.org))
    return {"onboardingFlow": flow.pk, "onboardingItem": item.pk, "completedOnboardingItem": completed.pk,
            "requestedFormCompletion": request.pk}


def _chat_records(world) -> dict[str, int]:
    """conversationMembership(id:) takes a conversation id and answers the caller's membership of
    it: the two share a pk here so the answer's id is the argument, as for every other lookup."""
    from apps.chat.models import MessageBlast, Note

    conversation = Conversation.objects.create(pk=4242, organization=world.org, owner=world.owner)
    ConversationMembership.objects.create(pk=4242, conversation=conversation, user=world.owner)
    setting = ChatSetting.objects.create(user=world.owner)
    chat = factories.conversation(world.owner, world.patients[0])
    note = Note.objects.create(conversation=chat, user=world.owner, content="Hi",
                               delivered_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    blast = MessageBlast.objects.create(organization=world.org, sender=world.owner, content="Hello")
    return {"conversation": conversation.pk, "conversationMembership": conversation.pk,
            "conversationMembershipInvitees": conversation.pk, "chatSetting": setting.pk,
            "note": note.pk, "note_scheduler": blast.pk}


# Where an empty ``id`` means "not sent" (as Rails' ``present?`` reads it in the reference API):
# the caller's own organization, the caller's own appointment setting.
EMPTY_MEANS_ABSENT = {"organization", "appointmentSetting", "chatSetting"}
# Lookups answering a list (the members of one conversation): the record comes back as its only item.
LIST_LOOKUPS = {"conversationMembershipInvitees"}


def _not_found(result: dict, field: str) -> bool:
    return result["data"] == {field: None} and [(e["path"], e["extensions"]) for e in result.get("errors", [])] \
        == [([field], {"code": "NOT_FOUND"})]


@pytest.mark.parametrize("field", _id_lookups())
def test_a_query_id_that_is_not_ascii_digits_is_not_found(gql, world, keys, readable, field):
    assert field in readable, f"add a readable {field} record to this test's fixture"
    query = f"query($id: ID) {{ {field}(id: $id) {{ id }} }}"
    # The record is there and readable with its real id, so a lenient parser would find it.
    found = {"id": readable[field]}
    assert data_of(gql(query, {"id": readable[field]}, key=keys["owner"])) == {
        field: [found] if field in LIST_LOOKUPS else found}
    answers = {raw: gql(query, {"id": raw}, key=keys["owner"])
               for raw in [spell(readable[field]) for spell in SPELLINGS.values()]}
    assert {raw: result for raw, result in answers.items() if not _not_found(result, field)} == {}
    empty = gql(query, {"id": ""}, key=keys["owner"])
    if field in EMPTY_MEANS_ABSENT:
        assert empty == gql(f"{{ {field} {{ id }} }}", key=keys["owner"])
    else:
        assert _not_found(empty, field), empty


MUTATIONS: dict[str, tuple[str, type, Callable]] = {
    # name: (operation with $id, model, the record of the world it targets)
    "updateClient": ("mutation($id: ID) { updateClient(input: {id: $id, first_name: \"Changed\"}) "
                     "{ user { id } messages { field message code } } }", User, lambda w: w.patients[0]),
    "updateUserGroup": ("mutation($id: ID) { updateUserGroup(input: {id: $id, name: \"Changed\"}) "
                        "{ user_group { id } messages { field message code } } }", UserGroup,
                        lambda w: UserGroup.objects.create(organization=w.org, name="Respite")),
    "updateAnnouncement": ("mutation($id: ID) { updateAnnouncement(input: {id: $id, title: \"Changed\"}) "
                           "{ announcement { id } messages { field message code } } }", Announcement,
                           lambda w: Announcement.objects.create(organization=w.org, user=w.owner, title="Hi")),
    "updateWebhook": ("mutation($id: ID) { updateWebhook(input: {id: $id, is_enabled: false}) "
                      "{ webhook { id } messages { field message code } } }", Webhook,
                      lambda w: Webhook.objects.create(organization=w.org, url="https://example.com/hooks",
                                                       secret_encrypted=encrypt("whsec_test"))),
    "updateAppointmentType": ("mutation($id: ID) { updateAppointmentType(input: {id: $id, name: \"Changed\"}) "
                              "{ appointmentType { id } messages { field message code } } }", AppointmentType,
                              lambda w: helpers.appt_type(w.org)),
    "deleteAppointment": ("mutation($id: ID) { deleteAppointment(input: {id: $id}) "
                          "{ appointment { id } messages { field message code } } }", Appointment,
                          lambda w: helpers.appointment(w.provider, w.patients[0],
                                                        dt.datetime(2030, 10, 7, 13, tzinfo=dt.UTC))),
}


MUTATION_SPELLINGS = ["superscript", "arabic-indic", "fullwidth", "mixed", "leading space", "plus sign", "19 digits"]


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_a_mutation_id_that_is_not_ascii_digits_is_not_found(gql, world, keys, name):
    operation, model, target = MUTATIONS[name]
    record = target(world)
    before = (model.objects.filter(pk=record.pk).values().get(), Event.objects.count())
    for spelling in MUTATION_SPELLINGS:
        raw = SPELLINGS[spelling](str(record.pk))
        payload = data_of(gql(operation, {"id": raw}, key=keys["owner"]))[name]
        assert [(m["field"], m["code"]) for m in payload["messages"]] == [("id", "NOT_FOUND")], (raw, payload)
    assert (model.objects.filter(pk=record.pk).values().get(), Event.objects.count()) == before


def test_numbers_read_from_text_are_ascii_digits_too(gql, world, keys):
    """The same trap outside ids: a keyword that is an id, a numeric String setting, Retry-After."""
    from webhooks.retry import parse_retry_after

    pk = str(world.patients[0].pk)
    for keyword in (_digits(pk, SUPERSCRIPT), _digits(pk, ARABIC_INDIC)):
        result = gql("query($k: String) { users(keywords: $k) { id } }", {"k": keyword}, key=keys["owner"])
        assert result == {"data": {"users": []}}, (keyword, result)
    setting = helpers.settings_for(world.provider, buffer=0)
    for buffer in ("²", "١٥"):
        payload = data_of(gql("mutation($id: ID, $b: String) { updateAppointmentSetting(input: {id: $id, "
                              "buffer: $b}) { appointmentSetting { id } messages { field message } } }",
                              {"id": str(setting.pk), "b": buffer}, key=keys["owner"]))["updateAppointmentSetting"]
        assert payload["messages"] == [{"field": "buffer", "message": "must be a whole number"}], (buffer, payload)
    setting.refresh_from_db()
    assert setting.buffer == 0
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    assert [parse_retry_after(v, now) for v in ("²", "٥", "5")] == [None, None, dt.timedelta(seconds=5)]
