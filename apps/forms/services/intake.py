"""What a patient still has to fill out, and forms filled out on a patient's behalf.

- ``intake_flow``: one list of the patient's forms: the items of the onboarding flow of their
  group (``intake_forms``), the one-off form requests sent to them (``requested_forms``) and the
  requests issued by recurring forms (``recurring_forms``), each with a status
  (``not_started`` / ``incomplete`` / ``completed``). Built from a fixed number of queries
  whatever the number of items.
- ``initial_form_answers``: the answers a form opens with (prefill).
- ``client_via_form_create``: a provider adds a patient and their filled-out form at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.db.models.functions import Lower

from apps.accounts.inputs import NewClient
from apps.accounts.models import User
from apps.accounts.selectors import patient_get, visible_patients
from apps.accounts.services.patients import client_create
from apps.accounts.viewer import AUTHENTICATED, MEMBER, Viewer
from apps.core.errors import Collector, ValidationFailed
from apps.core.inputs import UNSET
from apps.core.lookup import get_visible
from apps.core.timefmt import now
from apps.forms.models import (
    CompletedOnboardingItem,
    CustomModule,
    CustomModuleForm,
    FormAnswer,
    FormAnswerGroup,
    OnboardingItem,
    RecurringForm,
    RequestedFormCompletion,
)
from apps.forms.selectors.answers import visible_answer_groups
from apps.forms.selectors.onboarding import FORM_ITEM_TYPE
from apps.forms.selectors.requests import visible_requests
from apps.forms.selectors.templates import visible_forms
from apps.forms.services.answers import AnswerGroupInput, AnswerInput, form_answer_group_create

NOT_STARTED, INCOMPLETE, COMPLETED = "not_started", "incomplete", "completed"
STATUSES = (INCOMPLETE, COMPLETED, NOT_STARTED)
REQUESTED, RECURRING, INTAKE = "requested_forms", "recurring_forms", "intake_forms"
FORM_TYPES = (REQUESTED, RECURRING, INTAKE)
# intakeFlow is not paginated in the published API: it lists the newest requests up to this many.
MAX_REQUESTS = 500
# Lower-case names of the published ``IntakeFlowOrderKeys``; ``sort_by`` takes the same names.
ORDER_KEYS = ("date_asc", "date_desc", "name_asc", "name_desc", "status_asc", "status_desc", "type_asc",
              "type_desc", "request_date_asc", "request_date_desc", "complete_date_asc", "complete_date_desc")
_REQUEST_STATUS = {RequestedFormCompletion.OPEN: NOT_STARTED, RequestedFormCompletion.INCOMPLETE: INCOMPLETE,
                   RequestedFormCompletion.COMPLETE: COMPLETED}
# Question ``hipaa_name`` -> the patient's profile field it is prefilled from.
PROFILE_PREFILL = {"first_name": "first_name", "last_name": "last_name", "legal_name": "legal_name",
                   "email": "email", "phone_number": "phone_number", "phone": "phone_number", "dob": "dob",
                   "date_of_birth": "dob", "gender": "gender", "sex": "gender",
                   "record_identifier": "record_identifier"}


@dataclass
class IntakeItem:
    """One row of ``intakeFlow``; ``source`` is the onboarding item or the request it stands for."""

    id: str
    typename: str
    item_type: str
    form_type: str
    display_name: str
    status: str
    skipped: bool = False
    custom_module_form: CustomModuleForm | None = None
    onboarding_item: OnboardingItem | None = None
    completed_onboarding_item: CompletedOnboardingItem | None = None
    recurring_form: RecurringForm | None = None
    request: RequestedFormCompletion | None = None
    form_answer_group_id: int | None = None
    incomplete_form_id: int | None = None
    request_date: dt.datetime | None = None
    complete_date: dt.datetime | None = None
    requested_by_id: int | None = None
    completed_by_id: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def date_to_show(self) -> dt.datetime | None:
        return self.complete_date or self.request_date


@dataclass
class IntakeFlow:
    patient: User
    items: list[IntakeItem]


def _patient(viewer: Viewer, user_id: object) -> User:
    viewer.require(AUTHENTICATED)
    if viewer.is_patient:
        if user_id not in (None, "") and str(user_id).strip() != str(viewer.user_id):
            return patient_get(viewer, user_id, field="user_id")  # raises NotFound: only themselves
        return viewer.user
    if user_id in (None, ""):
        raise ValidationFailed("user_id", "'user_id' (the patient) is required.")
    return patient_get(viewer, user_id, field="user_id")


def _groups_by_form(viewer: Viewer, patient: User, form_ids: set[int]
                    ) -> tuple[dict[int, FormAnswerGroup], dict[int, FormAnswerGroup]]:
    """The patient's latest finished and latest unfinished filled-out form of each of ``form_ids``."""
    finished: dict[int, FormAnswerGroup] = {}
    unfinished: dict[int, FormAnswerGroup] = {}
    if not form_ids:
        return finished, unfinished
    rows = visible_answer_groups(viewer).filter(user_id=patient.pk, custom_module_form_id__in=form_ids).only(
        "id", "custom_module_form_id", "finished", "filler_id", "created_at").order_by("-id")
    for group in rows:
        target = finished if group.finished else unfinished
        target.setdefault(group.custom_module_form_id, group)
    return finished, unfinished


def _load_flow(viewer: Viewer, patient: User) -> tuple[list[OnboardingItem], dict, dict]:
    """The items of the patient's group flow, the patient's completions of them, their forms."""
    flow_id = patient.user_group.onboarding_flow_id if patient.user_group_id else None
    if flow_id is None:
        return [], {}, {}
    items = list(OnboardingItem.objects.filter(onboarding_flow_id=flow_id, onboarding_flow__deleted_at=None,
                                               onboarding_flow__organization_id=patient.organization_id)
                 .order_by("row_order", "id"))
    completions = {c.onboarding_item_id: c for c in CompletedOnboardingItem.objects.filter(
        user_id=patient.pk, onboarding_item_id__in=[i.pk for i in items])}
    form_ids = [i.item_id for i in items if i.item_type == FORM_ITEM_TYPE and i.item_id]
    forms = {f.pk: f for f in visible_forms(viewer).filter(pk__in=form_ids)} if form_ids else {}
    return items, completions, forms


def _flow_items(items: list[OnboardingItem], completions: dict, forms: dict, finished: dict,
                unfinished: dict) -> list[IntakeItem]:
    result = []
    for item in items:
        form = forms.get(item.item_id) if item.item_type == FORM_ITEM_TYPE else None
        if item.item_type == FORM_ITEM_TYPE and form is None:
            continue  # the form was deleted: nothing left to fill out
        done = completions.get(item.pk)
        draft = unfinished.get(form.pk) if form is not None else None
        group = finished.get(form.pk) if form is not None else None
        status = COMPLETED if done is not None else INCOMPLETE if draft is not None else NOT_STARTED
        result.append(IntakeItem(
            id=str(item.pk), typename="OnboardingItem", item_type=item.item_type, form_type=INTAKE,
            display_name=item.display_name or (form.name if form else item.item_type), status=status,
            skipped=bool(done and done.skipped), custom_module_form=form, onboarding_item=item,
            completed_onboarding_item=done,
            form_answer_group_id=group.pk if (done is not None and group is not None) else None,
            incomplete_form_id=draft.pk if (done is None and draft is not None) else None,
            request_date=None, complete_date=done.created_at if done is not None else None,
            completed_by_id=group.filler_id if (done is not None and group is not None) else None,
        ))
    return result


def _load_requests(viewer: Viewer, patient: User) -> list[RequestedFormCompletion]:
    """The patient's form requests, newest first (at most ``MAX_REQUESTS``)."""
    return list(visible_requests(viewer).filter(recipient_id=patient.pk, custom_module_form__deleted_at=None)
                .select_related("custom_module_form", "recurring_form", "form_answer_group")
                .order_by("-created_at", "-id")[:MAX_REQUESTS])


def _request_items(rows: list[RequestedFormCompletion], unfinished: dict) -> list[IntakeItem]:
    result = []
    for request in rows:
        status = _REQUEST_STATUS.get(request.status, NOT_STARTED)
        group = request.form_answer_group if request.form_answer_group_id else None
        draft = group if (group is not None and not group.finished) else None
        if draft is None and status == NOT_STARTED:
            draft = unfinished.get(request.custom_module_form_id)
            status = INCOMPLETE if draft is not None else status
        completed = status == COMPLETED and group is not None
        result.append(IntakeItem(
            id=str(request.pk), typename="RequestedFormCompletion", item_type="CustomModuleForm",
            form_type=RECURRING if request.recurring_form_id else REQUESTED,
            display_name=request.custom_module_form.name, status=status,
            custom_module_form=request.custom_module_form, recurring_form=request.recurring_form,
            request=request, form_answer_group_id=group.pk if completed else None,
            incomplete_form_id=draft.pk if (draft is not None and not completed) else None,
            request_date=request.created_at, complete_date=group.created_at if completed else None,
            requested_by_id=request.sender_id, completed_by_id=group.filler_id if completed else None,
        ))
    return result


def _sort_key(order: str):
    name, _, direction = order.rpartition("_")
    key = {
        "date": lambda i: i.date_to_show or dt.datetime.min.replace(tzinfo=dt.UTC),
        "name": lambda i: i.display_name.lower(),
        "status": lambda i: STATUSES.index(i.status),
        "type": lambda i: FORM_TYPES.index(i.form_type),
        "request_date": lambda i: i.request_date or dt.datetime.min.replace(tzinfo=dt.UTC),
        "complete_date": lambda i: i.complete_date or dt.datetime.min.replace(tzinfo=dt.UTC),
    }[name]
    return key, direction == "desc"


def intake_flow(viewer: Viewer, *, user_id: object = None, keywords: str | None = None,
                statuses: list[str] | None = None, form_types: list[str] | None = None,
                order_by: str | None = None) -> IntakeFlow:
    """``intakeFlow``: the patient's intake items and form requests, filtered and sorted.

    Without an order the flow's items come in flow order, then requests newest first."""
    errors = Collector()
    order = (order_by or "").strip().lower() or None
    if order is not None and order not in ORDER_KEYS:
        errors.add("order_by", f"order_by must be one of: {', '.join(k.upper() for k in ORDER_KEYS)}.")
    wanted_statuses = [s for s in statuses or [] if s is not None]
    if any(s not in STATUSES for s in wanted_statuses):
        errors.add("statuses", f"statuses take: {', '.join(STATUSES)}.")
    wanted_types = [t for t in form_types or [] if t is not None]
    if any(t not in FORM_TYPES for t in wanted_types):
        errors.add("form_types", f"form_types take: {', '.join(FORM_TYPES)}.")
    errors.raise_if_any()
    patient = _patient(viewer, user_id)
    flow_items, completions, forms = _load_flow(viewer, patient)
    requests = _load_requests(viewer, patient)
    finished, unfinished = _groups_by_form(viewer, patient, set(forms) | {r.custom_module_form_id for r in requests})
    items = _flow_items(flow_items, completions, forms, finished, unfinished) + _request_items(requests, unfinished)
    if wanted_statuses:
        items = [i for i in items if i.status in wanted_statuses]
    if wanted_types:
        items = [i for i in items if i.form_type in wanted_types]
    words = (keywords or "").strip().lower()[:200]
    if words:
        items = [i for i in items if words in i.display_name.lower()]
    if order is not None:
        key, reverse = _sort_key(order)
        items.sort(key=key, reverse=reverse)
    return IntakeFlow(patient=patient, items=items)


def has_forms_to_complete(viewer: Viewer, *, user_id: object) -> bool:
    """``hasFormsToComplete``: an intake item or form request of the patient is not completed."""
    flow = intake_flow(viewer, user_id=user_id)
    return any(i.status != COMPLETED for i in flow.items)


# --- prefill -------------------------------------------------------------------------------------

def _profile_value(patient: User, module: CustomModule) -> str:
    attribute = PROFILE_PREFILL.get((module.hipaa_name or "").strip().lower())
    value = getattr(patient, attribute, None) if attribute else None
    if value in (None, ""):
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def initial_form_answers(viewer: Viewer, *, custom_module_form_id: object = None, incomplete_form_id: object = None,
                         user_id: object = None) -> list[FormAnswer]:
    """``initialFormAnswers``: the answers a form opens with, in question order.

    1. With ``incomplete_form_id``: that unfinished filled-out form's answers (the draft to resume).
    2. Otherwise the patient's latest unfinished form of this template, if any.
    3. Otherwise, when the template is marked ``prefill``, the answers of the patient's latest
       finished form of the template.
    4. Questions still unanswered whose ``hipaa_name`` names a profile field (first_name,
       last_name, email, phone_number, dob, gender, ...) take the patient's value.

    Stored answers come back as they are; profile values are new, unsaved answers whose id is
    ``new-<question id>`` (send them to createFormAnswerGroup without their id).
    """
    viewer.require(AUTHENTICATED)
    groups = visible_answer_groups(viewer)
    source: FormAnswerGroup | None = None
    if incomplete_form_id not in (None, ""):
        source = get_visible(groups.filter(finished=False), incomplete_form_id, "Unfinished form",
                             field="incomplete_form_id")
        form = source.custom_module_form
        patient = source.user
    else:
        if custom_module_form_id in (None, ""):
            raise ValidationFailed("custom_module_form_id", "Send custom_module_form_id or incomplete_form_id.")
        form = get_visible(visible_forms(viewer), custom_module_form_id, "Form", field="custom_module_form_id")
        patient = _patient(viewer, user_id) if (user_id not in (None, "") or viewer.is_patient) else None
        if patient is not None:
            mine = groups.filter(user_id=patient.pk, custom_module_form_id=form.pk).order_by("-updated_at", "-id")
            source = mine.filter(finished=False).first()
            if source is None and form.prefill:
                source = mine.filter(finished=True).first()
    modules = [m for m in CustomModule.objects.filter(custom_module_form_id=form.pk).order_by("position", "id")]
    stored = {}
    if source is not None:
        stored = {a.custom_module_id: a for a in FormAnswer.objects.filter(form_answer_group_id=source.pk)
                  .select_related("custom_module")}
    answers: list[FormAnswer] = []
    created = now()
    for module in modules:
        if module.pk in stored:
            answers.append(stored[module.pk])
            continue
        value = _profile_value(patient, module) if patient is not None else ""
        if value:
            answer = FormAnswer(custom_module=module, user_id=patient.pk, answer=value, created_at=created,
                                updated_at=created)
            answer.id = f"new-{module.pk}"  # never saved: an id the client can tell apart
            answers.append(answer)
    return answers


# --- createClientViaForm -------------------------------------------------------------------------

@dataclass(frozen=True)
class ClientViaForm:
    custom_module_form_id: object = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone_number: str | None = None
    provider_id: object = None
    form_answers: list[AnswerInput] | None = None


DUPLICATE_EMAIL = "A patient with this e-mail already exists in this organization."


@transaction.atomic
def client_via_form_create(viewer: Viewer, data: ClientViaForm) -> FormAnswerGroup:
    """``createClientViaForm``: a member adds a patient and their finished form in one transaction.

    Bad profile values, an e-mail another patient of the organization already has, an unknown
    template or provider, or an answer its question refuses: ``messages``, and nothing is written
    (no patient, no form, no event, no e-mail)."""
    viewer.require(MEMBER)
    template = get_visible(visible_forms(viewer), data.custom_module_form_id, "Form", field="custom_module_form_id")
    email = (data.email or "").strip()
    if email and User.objects.annotate(le=Lower("email")).filter(
            organization_id=viewer.organization_id, is_patient=True, le=email.lower()).exists():
        raise ValidationFailed("email", DUPLICATE_EMAIL)
    try:
        patient = client_create(viewer, NewClient(
            first_name=data.first_name, last_name=data.last_name, email=email or None, skipped_email=not email,
            phone_number=data.phone_number if data.phone_number not in (None, "") else UNSET,
            dietitian_id=data.provider_id if data.provider_id not in (None, "") else UNSET))
    except ValidationFailed as error:  # createClient names the provider ``dietitian_id``; this input ``provider_id``
        raise ValidationFailed.of([replace(m, field="provider_id") if m.field == "dietitian_id" else m
                                   for m in error.messages]) from error
    if not visible_patients(viewer).filter(pk=patient.pk).exists():
        raise ValidationFailed("provider_id", "You could not see this patient afterwards: choose yourself as "
                                              "provider, or ask a member who sees every patient.")
    return form_answer_group_create(viewer, AnswerGroupInput(
        custom_module_form_id=template.pk, user_id=patient.pk, finished=True, form_answers=data.form_answers or []))
