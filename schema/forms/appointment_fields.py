"""The forms of an ``Appointment``: ``filled_embed_form`` (the booking form), ``form_answer_group``
(the session's chart note), ``form_answer_groups`` (every form filled out for it) and the chart
note's ``connected_chart_note_locked`` / ``connected_chart_note_string``.

``schema.scheduling.types.AppointmentObjectType`` declares the fields with these hints and
resolvers. Every form is read through ``visible_answer_groups``: a form the caller may not see
answers null (or is left out of the list). A list of appointments costs the same number of
queries at any page size: the forms are prefetched (with their template, signings and answers
in question order) and the chart note's state is an annotation.
"""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from apps.forms.models import FormAnswer, FormAnswerGroup, FormAnswerGroupSigning
from apps.forms.selectors.answers import visible_answer_groups
from apps.scheduling.models import Appointment

ANSWERS_ATTR = "_ordered_answers"  # read by FormAnswerGroupType.form_answers
FILLED_ATTR = "_visible_filled_embed_form"
CHART_ATTR = "_visible_chart_note"
GROUPS_ATTR = "_visible_form_answer_groups"
STATE_ANNOTATION = "_chart_note_state"
SIGNERS_ANNOTATION = "_chart_note_signers"


def _groups(viewer) -> QuerySet[FormAnswerGroup]:
    answers = FormAnswer.objects.select_related("custom_module").order_by("custom_module__position",
                                                                          "custom_module__id")
    return (visible_answer_groups(viewer).select_related("custom_module_form")
            .prefetch_related("form_answer_group_signings", Prefetch("form_answers", queryset=answers,
                                                                     to_attr=ANSWERS_ATTR)))


def filled_embed_form_prefetch(info) -> Prefetch:
    return Prefetch("filled_embed_form", queryset=_groups(info.context.viewer), to_attr=FILLED_ATTR)


def chart_note_prefetch(info) -> Prefetch:
    return Prefetch("form_answer_group", queryset=_groups(info.context.viewer), to_attr=CHART_ATTR)


def form_answer_groups_prefetch(info) -> Prefetch:
    return Prefetch("form_answer_groups", queryset=_groups(info.context.viewer).order_by("created_at", "id"),
                    to_attr=GROUPS_ATTR)


def _one(root: Appointment, attr: str, column: str, info) -> FormAnswerGroup | None:
    if hasattr(root, attr):
        return getattr(root, attr)
    pk = getattr(root, column)
    return _groups(info.context.viewer).filter(pk=pk).first() if pk else None


def filled_embed_form(root: Appointment, info) -> FormAnswerGroup | None:
    return _one(root, FILLED_ATTR, "filled_embed_form_id", info)


def chart_note(root: Appointment, info) -> FormAnswerGroup | None:
    return _one(root, CHART_ATTR, "form_answer_group_id", info)


def form_answer_groups(root: Appointment, info) -> list[FormAnswerGroup]:
    if hasattr(root, GROUPS_ATTR):
        return list(getattr(root, GROUPS_ATTR))
    return list(_groups(info.context.viewer).filter(appointment_id=root.pk).order_by("created_at", "id"))


# ---- the chart note's state, as annotations of the appointment --------------------------------


def state_subquery(viewer, outer: str = "form_answer_group_id") -> Subquery:
    """'locked' / 'unlocked' for a chart note the viewer may see, else NULL."""
    states = visible_answer_groups(viewer).filter(pk=OuterRef(outer)).annotate(state=Case(
        When(locked_at__isnull=True, then=Value("unlocked")), default=Value("locked"))).values("state")[:1]
    return Subquery(states)


def signers_subquery(outer: str = "form_answer_group_id") -> Coalesce:
    signers = (FormAnswerGroupSigning.objects.filter(form_answer_group_id=OuterRef(outer))
               .values("form_answer_group_id").annotate(n=Count("user_id", distinct=True)).values("n")[:1])
    return Coalesce(Subquery(signers, output_field=IntegerField()), Value(0))


def _state(root: Appointment, info) -> tuple[str | None, int]:
    if hasattr(root, STATE_ANNOTATION):
        return getattr(root, STATE_ANNOTATION), getattr(root, SIGNERS_ANNOTATION, 0) or 0
    if not root.form_answer_group_id:
        return None, 0
    found = Appointment.objects.filter(pk=root.pk).annotate(
        state=state_subquery(info.context.viewer), signers=signers_subquery()).values("state", "signers").first()
    return (found["state"], found["signers"]) if found else (None, 0)


def chart_note_status(locked: bool, signers: int) -> str:
    """The vocabulary of ``FormAnswerGroup.chart_note_status``."""
    signed = "" if signers == 0 else "SIGNED" if signers == 1 else "CO_SIGNED"
    if not locked:
        return signed or "CREATED"
    return f"{signed}_AND_LOCKED" if signed else "LOCKED"


def connected_chart_note_locked(root: Appointment, info) -> bool | None:
    state, _ = _state(root, info)
    return None if state is None else state == "locked"


def connected_chart_note_string(root: Appointment, info) -> str | None:
    state, signers = _state(root, info)
    return None if state is None else chart_note_status(state == "locked", signers)
