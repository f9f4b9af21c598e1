"""Forms on appointments: the booking form and the session's chart note.

An appointment carries two one-to-one forms (seed 002): ``filled_embed_form``, filled by the
patient when they book (``completeCheckout``), and ``form_answer_group``, the chart note of the
session (``createAppointmentFormAnswerGroupConnection`` / ``deleteAppointmentFormAnswerGroupConnection``).
Both also point back with ``FormAnswerGroup.appointment``, so ``Appointment.form_answer_groups``
lists every form filled out for the appointment.

The booking form is written by a checkout step (``apps.scheduling.services.checkout``), inside
the booking's transaction: answers are checked by the same validator as ``createFormAnswerGroup``
and any problem rolls the whole booking back (no appointment, no new client, no form).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from apps.accounts.viewer import MEMBER, Viewer
from apps.core.errors import Collector, FieldMessage, NotFound, ValidationFailed
from apps.core.inputs import UNSET, is_set
from apps.core.lookup import parse_id
from apps.events.bus import emit
from apps.forms.models import CustomModuleForm, FormAnswerGroup
from apps.forms.selectors.answers import answer_group_get
from apps.forms.services.answers import AnswerInput, finished_group_save
from apps.scheduling.models import Appointment
from apps.scheduling.selectors import appointment_get

CHECKOUT_FIELD = "form_answer_group"
LOCKED_MESSAGE = "This chart note is locked; unlock it before changing its appointment."


@dataclass(frozen=True)
class CheckoutFormInput:
    """``completeCheckout(input: {form_answer_group: CheckoutFormAnswerGroupInput})``."""

    custom_module_form_id: object = UNSET
    form_answers: list[AnswerInput] = field(default_factory=list)
    id: object = UNSET


# ---- chart note connection -------------------------------------------------------------------


def _has_patient(appointment: Appointment, group: FormAnswerGroup) -> bool:
    return appointment.user_id == group.user_id or appointment.attendee_links.filter(user_id=group.user_id).exists()


@transaction.atomic
def appointment_form_connect(viewer: Viewer, *, appointment_id: object,
                             form_answer_group_id: object) -> tuple[Appointment, FormAnswerGroup]:
    """Makes the filled-out form the chart note (``form_answer_group``) of the appointment.

    Both must be visible to the caller, the form must be about the appointment's patient (or
    an attendee), unlocked, and not already the chart note of another appointment; the
    appointment must not already have another chart note (delete that connection first).
    """
    viewer.require(MEMBER)
    # Each id that was sent is looked up before a missing one is reported, so an id the caller may
    # not see is refused exactly like one that does not exist, whatever else was sent.
    errors = Collector()
    found = group = None
    if appointment_id in (None, ""):
        errors.add("appointment_id", "'appointment_id' is required.")
    else:
        found = appointment_get(viewer, appointment_id, field="appointment_id")
    if form_answer_group_id in (None, ""):
        errors.add("form_answer_group_id", "'form_answer_group_id' is required.")
    else:
        group = answer_group_get(viewer, form_answer_group_id, field="form_answer_group_id")
    errors.raise_if_any()
    assert found is not None and group is not None
    # Row locks, appointment first, so two connections of one appointment run one after the other.
    appointment = Appointment.objects.select_for_update().get(pk=found.pk)
    group = FormAnswerGroup.objects.select_for_update().get(pk=group.pk)
    if appointment.form_answer_group_id == group.pk:
        return appointment, group
    if group.is_locked:
        raise ValidationFailed("form_answer_group_id", LOCKED_MESSAGE)
    if not _has_patient(appointment, group):
        raise ValidationFailed("form_answer_group_id", "The form is not about a patient of this appointment.")
    # A deleted chart note no longer counts, nor does a deleted appointment's claim on the form.
    if appointment.form_answer_group_id is not None and FormAnswerGroup.objects.filter(
            pk=appointment.form_answer_group_id, deleted_at__isnull=True).exists():
        raise ValidationFailed("appointment_id", "This appointment already has a chart note; delete that "
                                                 "connection first.")
    if appointment.filled_embed_form_id == group.pk:
        raise ValidationFailed("form_answer_group_id", "This form is the appointment's booking form.")
    holders = Appointment.objects.select_for_update().filter(form_answer_group_id=group.pk)
    if holders.filter(deleted_at__isnull=True).exists():
        raise ValidationFailed("form_answer_group_id", "This form is already the chart note of another "
                                                       "appointment.")
    holders.update(form_answer_group=None)
    appointment.form_answer_group = group
    appointment.save(update_fields=["form_answer_group", "updated_at"])
    changed = group.appointment_id != appointment.pk
    group.appointment = appointment
    group.save(update_fields=["appointment", "updated_at"])
    emit("appointment.updated", appointment, organization_id=appointment.organization_id,
         changed_fields=["form_answer_group"], actor_id=viewer.user_id)
    if changed:
        emit("form_answer_group.updated", group, organization_id=group.organization_id,
             changed_fields=["appointment"], actor_id=viewer.user_id)
    return appointment, group


@transaction.atomic
def appointment_form_disconnect(viewer: Viewer, *, form_answer_group_id: object) -> FormAnswerGroup:
    """Removes the chart note connection of the form; the form itself stays."""
    viewer.require(MEMBER)
    if form_answer_group_id in (None, ""):
        raise ValidationFailed("form_answer_group_id", "'form_answer_group_id' is required.")
    group = answer_group_get(viewer, form_answer_group_id, field="form_answer_group_id")
    appointment = Appointment.objects.select_for_update().filter(
        form_answer_group_id=group.pk, organization_id=viewer.organization_id).first()
    if appointment is None:
        raise ValidationFailed("form_answer_group_id", "This form is not the chart note of an appointment.")
    group = FormAnswerGroup.objects.select_for_update().get(pk=group.pk)
    if group.is_locked:
        raise ValidationFailed("form_answer_group_id", LOCKED_MESSAGE)
    appointment.form_answer_group = None
    appointment.save(update_fields=["form_answer_group", "updated_at"])
    emit("appointment.updated", appointment, organization_id=appointment.organization_id,
         changed_fields=["form_answer_group"], actor_id=viewer.user_id)
    if group.appointment_id == appointment.pk:
        group.appointment = None
        group.save(update_fields=["appointment", "updated_at"])
        emit("form_answer_group.updated", group, organization_id=group.organization_id,
             changed_fields=["appointment"], actor_id=viewer.user_id)
    return group


# ---- booking form (completeCheckout) ---------------------------------------------------------


def _booking_template(organization_id: int, raw: object) -> CustomModuleForm:
    """A live, unarchived template of the provider's organization that is not a chart note template
    (templates are public to read; chart notes are filled by providers, never at booking)."""
    field_name = f"{CHECKOUT_FIELD}.custom_module_form_id"
    if raw in (None, ""):
        raise ValidationFailed(field_name, "'custom_module_form_id' is required with form answers.")
    pk = parse_id(raw)
    template = CustomModuleForm.objects.filter(
        pk=pk, organization_id=organization_id, deleted_at__isnull=True, archived_at__isnull=True,
        use_for_charting=False,
    ).first() if pk else None
    if template is None:
        raise NotFound(field_name, "Form not found.")
    return template


def checkout_form_save(viewer: Viewer, appointment: Appointment, data: object) -> None:
    """Checkout step: saves ``data.form_answer_group`` as the appointment's ``filled_embed_form``.

    Runs in the booking's transaction after the appointment exists; a ``ValidationFailed`` (fields
    named ``form_answer_group.form_answers.<n>.answer`` and so on) rolls the booking back.
    """
    form: CheckoutFormInput | None = getattr(data, CHECKOUT_FIELD, None)
    if not is_set(form) or form is None:
        return
    if is_set(form.id) and form.id not in (None, ""):
        raise ValidationFailed(f"{CHECKOUT_FIELD}.id", "Booking with a form saved earlier is not available: send "
                                                       "custom_module_form_id and form_answers.")
    template = _booking_template(appointment.organization_id, form.custom_module_form_id)
    patient_id = appointment.user_id
    group = FormAnswerGroup(organization_id=appointment.organization_id, custom_module_form=template,
                            user_id=patient_id, filler_id=patient_id, appointment=appointment,
                            name=template.name, finished=True)
    inner = Collector()
    if not finished_group_save(group, list(form.form_answers or []), inner):
        raise ValidationFailed.of([FieldMessage(f"{CHECKOUT_FIELD}.{m.field}", m.message, m.code)
                                   for m in inner.messages])
    appointment.filled_embed_form = group
    appointment.save(update_fields=["filled_embed_form", "updated_at"])
    emit("form_answer_group.created", group, organization_id=group.organization_id, actor_id=patient_id)


def register() -> None:
    """Plugs the booking form into ``completeCheckout`` (scheduling never imports forms)."""
    from apps.scheduling.services.checkout import register_checkout_step

    register_checkout_step(checkout_form_save)
