"""GraphQL types of the intake flow (``intakeFlow``), of a filled-out form's audit trail, and the
published types of features this product does not have yet (documents, prescriptions, lab
orders, NARx checks, CMS-1500 claims, offerings, AI summaries, group notes): those are declared
so that clients validate, and never returned (docs/compatibility.md)."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from django.db.models import Prefetch

from apps.accounts.models import User
from apps.accounts.selectors import shown_users
from apps.core.timefmt import TimeFormatError, format_datetime, parse_datetime
from apps.forms import models
from apps.forms.services.intake import IntakeFlow, IntakeItem
from schema.accounts.types import UserType
from schema.forms.charting_types import ChartingNoteAddendumType, FormAnswerGroupSigningType
from schema.forms.onboarding_types import CompletedOnboardingItemType, OnboardingItemType
from schema.forms.request_types import RecurringFormType
from schema.forms.template_types import CustomModuleFormType

if TYPE_CHECKING:
    from schema.forms.answer_types import FormAnswerGroupType

FormAnswerGroupRef = Annotated["FormAnswerGroupType", strawberry.lazy("schema.forms.answer_types")]
_USERS_MEMO = "forms.intake_users"


def users_by_id(info: strawberry.Info, ids: set[int | None]) -> dict[int, User]:
    """The users among ``ids`` the viewer may see, each read once per operation (the memo), so
    a list costs one query per distinct user, whatever its length."""
    cache: dict[int, User | None] = info.context.memo.setdefault(_USERS_MEMO, {})
    missing = {i for i in ids if i and i not in cache}
    if missing:
        found = {u.pk: u for u in shown_users(info.context.viewer).filter(pk__in=missing)}
        cache.update({pk: found.get(pk) for pk in missing})
    return {i: cache[i] for i in ids if i and cache.get(i) is not None}


# --- intakeFlow ----------------------------------------------------------------------------------

@strawberry.enum(name="IntakeFlowOrderKeys")
class IntakeFlowOrderKeys(Enum):
    DATE_ASC = "date_asc"
    DATE_DESC = "date_desc"
    NAME_ASC = "name_asc"
    NAME_DESC = "name_desc"
    STATUS_ASC = "status_asc"
    STATUS_DESC = "status_desc"
    TYPE_ASC = "type_asc"
    TYPE_DESC = "type_desc"
    REQUEST_DATE_ASC = "request_date_asc"
    REQUEST_DATE_DESC = "request_date_desc"
    COMPLETE_DATE_ASC = "complete_date_asc"
    COMPLETE_DATE_DESC = "complete_date_desc"


@strawberry.enum(name="FormStatus")
class FormStatus(Enum):
    incomplete = "incomplete"
    completed = "completed"
    not_started = "not_started"


@strawberry.enum(name="FormType")
class FormType(Enum):
    requested_forms = "requested_forms"
    recurring_forms = "recurring_forms"
    intake_forms = "intake_forms"


@strawberry.type(name="IntakeFlowItemRequestInfo", description="Who requested the form and when, and who "
                                                               "completed it and when.")
class IntakeFlowItemRequestInfo:
    item: strawberry.Private[IntakeItem]

    @strawberry.field
    def label(self) -> str | None:
        return "Requested form" if self.item.request is not None else "Intake form"

    @strawberry.field
    def details(self) -> str | None:
        return self.item.display_name

    @strawberry.field
    def request_date(self) -> str | None:
        return format_datetime(self.item.request_date)

    @strawberry.field
    def complete_date(self) -> str | None:
        return format_datetime(self.item.complete_date)

    @strawberry.field
    def requested_by(self, info: strawberry.Info) -> UserType | None:
        return users_by_id(info, {self.item.requested_by_id}).get(self.item.requested_by_id)

    @strawberry.field
    def completed_by(self, info: strawberry.Info) -> UserType | None:
        return users_by_id(info, {self.item.completed_by_id}).get(self.item.completed_by_id)


@strawberry.type(name="IntakeFlowItem", description="One form of a patient's intake flow: an onboarding item "
                                                    "(typename OnboardingItem) or a form request "
                                                    "(RequestedFormCompletion), with its status.")
class IntakeFlowItem:
    item: strawberry.Private[IntakeItem]

    @strawberry.field(description="The id of the onboarding item or of the form request (see typename).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.item.id)

    @strawberry.field
    def typename(self) -> str | None:
        return self.item.typename

    @strawberry.field
    def item_type(self) -> str | None:
        return self.item.item_type

    @strawberry.field(description="intake_forms, requested_forms or recurring_forms.")
    def form_type(self) -> str | None:
        return self.item.form_type

    @strawberry.field(description="The list the item appears in: intake_flows or requested.")
    def tab_type(self) -> str | None:
        return "intake_flows" if self.item.form_type == "intake_forms" else "requested"

    @strawberry.field
    def display_name(self) -> str | None:
        return self.item.display_name

    @strawberry.field(description="not_started, incomplete or completed.")
    def status(self) -> str | None:
        return self.item.status

    @strawberry.field
    def skipped(self) -> bool | None:
        return self.item.skipped

    @strawberry.field(description="When it was completed, else when it was requested.")
    def date_to_show(self) -> str | None:
        return format_datetime(self.item.date_to_show)

    @strawberry.field(description="The finished form that completed the item.")
    def form_answer_group_id(self) -> str | None:
        return str(self.item.form_answer_group_id) if self.item.form_answer_group_id else None

    @strawberry.field(description="The patient's unfinished form of this item, to resume.")
    def incomplete_form_id(self) -> str | None:
        return str(self.item.incomplete_form_id) if self.item.incomplete_form_id else None

    @strawberry.field
    def custom_module_form(self) -> CustomModuleFormType | None:
        return self.item.custom_module_form

    @strawberry.field
    def onboarding_item(self) -> OnboardingItemType | None:
        return self.item.onboarding_item

    @strawberry.field
    def completed_onboarding_item(self) -> CompletedOnboardingItemType | None:
        return self.item.completed_onboarding_item

    @strawberry.field
    def recurring_form(self) -> RecurringFormType | None:
        return self.item.recurring_form

    @strawberry.field
    def request_info(self) -> IntakeFlowItemRequestInfo | None:
        return IntakeFlowItemRequestInfo(item=self.item)

    @strawberry.field(description="Links into the published web app: always null (docs/compatibility.md).")
    def attached_object_edit_url(self) -> str | None:
        return None

    @strawberry.field(description="Links into the published web app: always null (docs/compatibility.md).")
    def view_url(self) -> str | None:
        return None


@strawberry.type(name="IntakeFlowType", description="A patient's intake items and form requests in several "
                                                    "lists; the query's filters apply to every list.")
class IntakeFlowType:
    flow: strawberry.Private[IntakeFlow]

    def _items(self, test) -> list[IntakeFlowItem]:
        return [IntakeFlowItem(item=i) for i in self.flow.items if test(i)]

    @strawberry.field(description="Everything: onboarding items and requests.")
    def all_forms(self) -> list[IntakeFlowItem] | None:
        return self._items(lambda i: True)

    @strawberry.field(description="The items of the onboarding flow of the patient's group.")
    def intake_flows(self) -> list[IntakeFlowItem] | None:
        return self._items(lambda i: i.form_type == "intake_forms")

    @strawberry.field(description="Form requests, one-off and recurring.")
    def requested(self) -> list[IntakeFlowItem] | None:
        return self._items(lambda i: i.form_type != "intake_forms")

    @strawberry.field(description="The items that are forms (onboarding form items and requests), without "
                                  "the built-in onboarding steps.")
    def forms(self) -> list[IntakeFlowItem] | None:
        return self._items(lambda i: i.custom_module_form is not None)

    @strawberry.field(description="Items not started or incomplete.")
    def not_started_incomplete(self) -> list[IntakeFlowItem] | None:
        return self._items(lambda i: i.status != "completed")

    @strawberry.field(description="Items completed (skipped onboarding items included).")
    def completed_skipped(self) -> list[IntakeFlowItem] | None:
        return self._items(lambda i: i.status == "completed")


# --- audit trail of a filled-out form --------------------------------------------------------------

@strawberry.enum(name="Action")
class AuditAction(Enum):
    LOCKED = "LOCKED"
    UNLOCKED = "UNLOCKED"
    SIGNED = "SIGNED"
    ADDENDUM_CREATED = "ADDENDUM_CREATED"
    REMOVE_SIGNATURE = "REMOVE_SIGNATURE"


RelatedObjectUnion = Annotated[ChartingNoteAddendumType | FormAnswerGroupSigningType,
                               strawberry.union("RelatedObjectUnion")]


@strawberry.type(name="FormAnswerGroupAuditEvent", description="One step of a chart note's history: locked, "
                                                               "unlocked (with the reason), signed, addendum added.")
class FormAnswerGroupAuditEvent:
    id: strawberry.ID
    action: AuditAction
    committed_at: str
    created_at: str
    updated_at: str
    description: str | None
    committed_by: UserType
    form_answer_group: FormAnswerGroupRef
    related_object: RelatedObjectUnion | None = None


def audit_prefetches(info: strawberry.Info) -> list[Prefetch]:
    return [Prefetch("audit_log", to_attr="_audit_events"),
            Prefetch("charting_note_addendums", queryset=models.ChartingNoteAddendum.objects.order_by("id"),
                     to_attr="_audit_addenda"),
            Prefetch("form_answer_group_signings", queryset=models.FormAnswerGroupSigning.objects.order_by("id"),
                     to_attr="_audit_signings")]


def _unlock_order(at: dt.datetime, number: int, lock_times: list[dt.datetime]) -> dt.datetime:
    """Where unlock ``number`` goes in the trail. Locks and unlocks alternate (only a locked note
    is unlocked), so it undid lock ``number``; the unlock history keeps whole seconds and the
    event log does not, so it sorts right after that lock when both fall in the same second."""
    if number < len(lock_times):
        return max(at, lock_times[number] + dt.timedelta(microseconds=1))
    return at


def audit_events(root: models.FormAnswerGroup, info: strawberry.Info) -> list[FormAnswerGroupAuditEvent]:
    """The form's history, oldest first: lock and signing events from the event log, unlocks from
    the form's unlock history, addenda from their rows. Members only; a step whose author the
    caller may not see is left out."""
    if not info.context.viewer.is_member:
        return []
    events = getattr(root, "_audit_events", None)
    if events is None:
        events = list(models.FormAnswerGroup.audit_log.queryset([root.pk]))
    addenda = getattr(root, "_audit_addenda", None)
    if addenda is None:
        addenda = list(root.charting_note_addendums.order_by("id"))
    signings = getattr(root, "_audit_signings", None)
    if signings is None:
        signings = list(root.form_answer_group_signings.order_by("id"))
    unlocks = (root.metadata or {}).get("unlocks", []) if isinstance(root.metadata, dict) else []
    steps: list[tuple[Any, str, AuditAction, int | None, str | None, object, Any]] = []
    lock_times = sorted(e.created_at for e in events if e.event_type.endswith(".locked"))
    for event in events:
        action = AuditAction.LOCKED if event.event_type.endswith(".locked") else AuditAction.SIGNED
        related = next((s for s in signings if s.user_id == event.actor_id), None) \
            if action is AuditAction.SIGNED else None
        steps.append((event.created_at, f"event-{event.pk}", action, event.actor_id, None, related, event.created_at))
    for number, unlock in enumerate(unlocks):
        if not isinstance(unlock, dict):
            continue
        try:
            at = parse_datetime(str(unlock.get("at", "")))
        except (TimeFormatError, ValueError):
            continue
        user_id = int(unlock["user_id"]) if str(unlock.get("user_id", "")).isdigit() else None
        steps.append((_unlock_order(at, number, lock_times), f"unlock-{root.pk}-{number}", AuditAction.UNLOCKED,
                      user_id, unlock.get("description"), None, at))
    for addendum in addenda:
        steps.append((addendum.created_at, f"addendum-{addendum.pk}", AuditAction.ADDENDUM_CREATED,
                      addendum.user_id, addendum.content, addendum, addendum.created_at))
    users = users_by_id(info, {step[3] for step in steps})
    steps.sort(key=lambda step: step[0])
    return [FormAnswerGroupAuditEvent(
        id=strawberry.ID(ident), action=action, committed_at=format_datetime(at), created_at=format_datetime(at),
        updated_at=format_datetime(at), description=description, committed_by=users[user_id],
        form_answer_group=root, related_object=related)
        for _, ident, action, user_id, description, related, at in steps if user_id in users]


@strawberry.type(name="FormAnswerGroupUserConnection", description="Group chart notes are not supported: "
                                                                   "never returned.")
class FormAnswerGroupUserConnection:
    id: strawberry.ID
    user: UserType | None = None


# --- published types of features this product does not have yet (never returned) -----------------

@strawberry.type(name="GeneratedSummary", description="AI summaries are not part of this product: never returned.")
class GeneratedSummary:
    id: strawberry.ID
    created_at: str
    summary: str | None = None


@strawberry.type(name="IndividualClientType", description="Group appointment notes are not supported: never "
                                                          "returned.")
class IndividualClientType:
    id: strawberry.ID
    content: str | None = None
    attended: bool | None = None
    updated_at: str | None = None
    user: UserType | None = None


def _absent(name: str, feature: str) -> type:
    return strawberry.type(type(name, (), {"__annotations__": {"id": strawberry.ID}}), name=name,
                           description=f"{feature} are not part of this product yet: never returned "
                                       "(docs/compatibility.md).")


Document = _absent("Document", "Documents")
Prescription = _absent("Prescription", "Prescriptions")
LabOrder = _absent("LabOrder", "Lab orders")
NarxCheck = _absent("NarxCheck", "NARx checks")
Cms1500 = _absent("Cms1500", "CMS-1500 claims")
