"""GraphQL types of filled-out forms: ``FormAnswerGroup`` and its ``FormAnswer`` list.

Related users read through ``shown_users`` (``shown_prefetch``), so a user the caller may not
see answers null; answers are prefetched with their question in question order, so a list of
forms costs the same number of queries at any page size.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import strawberry
import strawberry_django
from django.db.models import Prefetch
from strawberry_django.optimizer import optimize

from apps.core.timefmt import format_datetime
from apps.forms import models
from apps.forms.selectors.answers import visible_answer_groups
from apps.forms.selectors.requests import visible_requests
from apps.forms.services import files
from apps.scheduling.selectors import appointments_visible
from schema.accounts.types import UserType, shown_prefetch, shown_user
from schema.forms.template_types import CustomModuleFormType, CustomModuleType, FileAttachmentType

if TYPE_CHECKING:
    from schema.billing.package_types import OfferingType
    from schema.forms.charting_types import ChartingNoteAddendumType, ChartNoteStatus, FormAnswerGroupSigningType
    from schema.forms.intake_types import (
        Cms1500,
        Document,
        FormAnswerGroupAuditEvent,
        FormAnswerGroupUserConnection,
        GeneratedSummary,
        IndividualClientType,
        LabOrder,
        NarxCheck,
        Prescription,
    )
    from schema.forms.request_types import RequestedFormCompletionType
    from schema.scheduling.types import AppointmentObjectType

_ANSWERS_ATTR = "_ordered_answers"
_APPOINTMENT_ATTR = "_visible_appointment"
_FILES_ATTR = "_ordered_file_attachments"


def _id(value: int | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value else None


def _json_text(value: object) -> str | None:
    return None if value is None else json.dumps(value)


def displayed(module: models.CustomModule, answer: str) -> str:
    """The answer as a reader sees it: choices joined, a matrix as rows of cells."""
    if not answer:
        return ""
    if module.mod_type in ("checkbox", "horizontal_checkbox"):
        return ", ".join(part for part in answer.split("\n") if part)
    if module.mod_type == "matrix":
        try:
            rows = json.loads(answer)
        except ValueError:
            return answer
        if isinstance(rows, list):
            return "\n".join(" | ".join("" if c is None else str(c) for c in row) if isinstance(row, list)
                             else str(row) for row in rows)
    return answer


@strawberry_django.type(models.FormAnswer, name="FormAnswer")
class FormAnswerType:
    id: strawberry.ID

    @strawberry_django.field(only=["answer"])
    def answer(self, root: models.FormAnswer) -> str | None:
        return root.answer

    @strawberry_django.field(only=["answer", "custom_module_id"], select_related=["custom_module"])
    def displayed_answer(self, root: models.FormAnswer) -> str | None:
        return displayed(root.custom_module, root.answer)

    @strawberry_django.field(only=["custom_module_id"], select_related=["custom_module"],
                             description="The question's label.")
    def label(self, root: models.FormAnswer) -> str | None:
        return root.custom_module.label

    @strawberry_django.field(only=["custom_module_id"], select_related=["custom_module"])
    def custom_module(self, root: models.FormAnswer) -> CustomModuleType | None:
        return root.custom_module

    @strawberry_django.field(only=["custom_module_id"])
    def custom_module_id(self, root: models.FormAnswer) -> str | None:
        return str(root.custom_module_id)

    @strawberry_django.field(only=["user_id"])
    def user_id(self, root: models.FormAnswer) -> str | None:
        return str(root.user_id) if root.user_id else None

    @strawberry_django.field(only=["metadata"])
    def metadata(self, root: models.FormAnswer) -> str | None:
        return _json_text(root.metadata)

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.FormAnswer) -> str:
        return format_datetime(root.created_at)

    @strawberry_django.field(only=["updated_at"])
    def updated_at(self, root: models.FormAnswer) -> str | None:
        return format_datetime(root.updated_at)

    @strawberry_django.field(only=["form_answer_group_id"], description="The filled-out form this answer is part of.")
    def form_answer_group(self, root: models.FormAnswer, info: strawberry.Info
                          ) -> FormAnswerGroupType | None:
        return visible_answer_groups(info.context.viewer).filter(pk=root.form_answer_group_id).first()

    @strawberry_django.field(description="Conditional display is read from the question: always null here.")
    def conditional_custom_module_id(self) -> strawberry.ID | None:
        return None

    @strawberry_django.field(description="Filters of reporting forms are not supported: always null.")
    def filter_type(self) -> str | None:
        return None

    @strawberry_django.field(description="Filters of reporting forms are not supported: always null.")
    def value_to_filter(self) -> str | None:
        return None

    @strawberry_django.field(
        prefetch_related=[lambda info: Prefetch("file_attachments", to_attr=_FILES_ATTR,
                                                queryset=models.FormAnswerFileAttachment.objects.order_by("id"))],
        description="Files attached with createFormAnswerFileAttachment; url is a signed, expiring link.")
    def file_attachments(self, root: models.FormAnswer, info: strawberry.Info) -> list[FileAttachmentType] | None:
        from schema.forms.file_links import file_attachment

        attachments = getattr(root, _FILES_ATTR, None)
        if attachments is None:
            attachments = list(root.file_attachments.order_by("id"))
        return [file_attachment(info, a.pk, files.answer_file_url(a)) for a in attachments]


def _answers_prefetch(info: strawberry.Info) -> Prefetch:
    queryset = models.FormAnswer.objects.select_related("custom_module").order_by(
        "custom_module__position", "custom_module__id")
    return Prefetch("form_answers", queryset=optimize(queryset, info), to_attr=_ANSWERS_ATTR)


def _appointment_prefetch(info: strawberry.Info) -> Prefetch:
    queryset = optimize(appointments_visible(info.context.viewer), info)
    return Prefetch("appointment", queryset=queryset, to_attr=_APPOINTMENT_ATTR)


@strawberry_django.type(models.FormAnswerGroup, name="FormAnswerGroup")
class FormAnswerGroupType:
    id: strawberry.ID
    finished: bool
    is_locked: bool

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root: models.FormAnswerGroup) -> str | None:
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["locked_at"], prefetch_related=["form_answer_group_signings"],
                             description="CREATED, SIGNED or CO_SIGNED (two or more signers), and _AND_LOCKED "
                                         "once locked (LOCKED when locked unsigned).")
    def chart_note_status(self, root: models.FormAnswerGroup) -> Annotated[
            ChartNoteStatus, strawberry.lazy("schema.forms.charting_types")]:
        from schema.forms.charting_types import ChartNoteStatus

        signers = len({s.user_id for s in root.form_answer_group_signings.all()})
        signed = "" if signers == 0 else "SIGNED" if signers == 1 else "CO_SIGNED"
        if root.locked_at is None:
            return ChartNoteStatus(signed or "CREATED")
        return ChartNoteStatus(f"{signed}_AND_LOCKED" if signed else "LOCKED")

    @strawberry_django.field(only=["requested_form_completion_id"], prefetch_related=[
        lambda info: Prefetch("requested_form_completion",
                              queryset=visible_requests(info.context.viewer))])
    def requested_form_completion(self, root: models.FormAnswerGroup) -> Annotated[
            RequestedFormCompletionType, strawberry.lazy("schema.forms.request_types")] | None:
        """The form request this form answered, when the caller may see it."""
        return root.requested_form_completion if root.requested_form_completion_id else None

    @strawberry_django.field(only=["name"])
    def name(self, root: models.FormAnswerGroup) -> str | None:
        return root.name

    @strawberry_django.field(only=["external_id"])
    def external_id(self, root: models.FormAnswerGroup) -> str | None:
        return root.external_id or None

    @strawberry_django.field(only=["metadata"])
    def metadata(self, root: models.FormAnswerGroup) -> str | None:
        return _json_text(root.metadata)

    @strawberry_django.field(only=["user_id"])
    def user_id(self, root: models.FormAnswerGroup) -> str | None:
        return str(root.user_id)

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.FormAnswerGroup) -> str:
        return format_datetime(root.created_at)

    @strawberry_django.field(only=["updated_at"])
    def updated_at(self, root: models.FormAnswerGroup) -> str:
        return format_datetime(root.updated_at)

    @strawberry_django.field(only=["deleted_at"])
    def deleted_at(self, root: models.FormAnswerGroup) -> str | None:
        return format_datetime(root.deleted_at)

    @strawberry_django.field(only=["locked_at"])
    def locked_at(self, root: models.FormAnswerGroup) -> str | None:
        return format_datetime(root.locked_at)

    @strawberry_django.field(only=["record_created_at"], description="The date of service of a chart note.")
    def record_created_at(self, root: models.FormAnswerGroup) -> str | None:
        return format_datetime(root.record_created_at)

    @strawberry_django.field(only=["locked_at"], description="A locked form is frozen: its answers no longer change.")
    def frozen(self, root: models.FormAnswerGroup) -> bool | None:
        return root.locked_at is not None

    @strawberry_django.field(only=["user_id"], prefetch_related=[shown_prefetch("user")])
    def user(self, root: models.FormAnswerGroup, info: strawberry.Info) -> UserType | None:
        return shown_user(root, "user", info)

    @strawberry_django.field(only=["filler_id"], prefetch_related=[shown_prefetch("filler")])
    def filler(self, root: models.FormAnswerGroup, info: strawberry.Info) -> UserType | None:
        return shown_user(root, "filler", info)

    @strawberry_django.field(only=["locked_by_id"], prefetch_related=[shown_prefetch("locked_by")])
    def locked_by(self, root: models.FormAnswerGroup, info: strawberry.Info) -> UserType | None:
        return shown_user(root, "locked_by", info)

    @strawberry_django.field(only=["custom_module_form_id"], select_related=["custom_module_form"])
    def custom_module_form(self, root: models.FormAnswerGroup) -> CustomModuleFormType | None:
        return root.custom_module_form

    @strawberry_django.field(only=["id"], prefetch_related=[_answers_prefetch],
                             description="The answers in question order; custom_module_ids narrows them.")
    def form_answers(self, root: models.FormAnswerGroup, is_for_editing: bool | None = False,
                     custom_module_ids: list[strawberry.ID | None] | None = None) -> list[FormAnswerType]:
        answers = getattr(root, _ANSWERS_ATTR, None)
        if answers is None:
            answers = list(root.form_answers.select_related("custom_module").order_by(
                "custom_module__position", "custom_module__id"))
        if custom_module_ids is not None:
            wanted = {str(i) for i in custom_module_ids if i is not None}
            answers = [a for a in answers if str(a.custom_module_id) in wanted]
        return answers

    @strawberry_django.field(only=["id"], prefetch_related=["form_answer_group_signings"])
    def form_answer_group_signings(self, root: models.FormAnswerGroup) -> list[
            Annotated[FormAnswerGroupSigningType, strawberry.lazy("schema.forms.charting_types")]]:
        return list(root.form_answer_group_signings.all())

    @strawberry_django.field(only=["id"], prefetch_related=["charting_note_addendums"])
    def charting_note_addendums(self, root: models.FormAnswerGroup) -> list[
            Annotated[ChartingNoteAddendumType, strawberry.lazy("schema.forms.charting_types")]] | None:
        return list(root.charting_note_addendums.all())

    @strawberry_django.field(only=["individual_note"], description="The form's note about its patient.")
    def individual_note(self, root: models.FormAnswerGroup, user_id: strawberry.ID | None = None) -> str | None:
        return root.individual_note or None

    @strawberry_django.field(description="Group appointment notes are not supported: always false.")
    def is_group_appt_note(self) -> bool | None:
        return False

    @strawberry_django.field(only=["appointment_id"], prefetch_related=[_appointment_prefetch],
                             description="The appointment the form was filled out for, when the caller may see it.")
    def appointment(self, root: models.FormAnswerGroup, info: strawberry.Info) -> Annotated[
            AppointmentObjectType, strawberry.lazy("schema.scheduling.types")] | None:
        if hasattr(root, _APPOINTMENT_ATTR):
            return getattr(root, _APPOINTMENT_ATTR)
        if not root.appointment_id:
            return None
        return appointments_visible(info.context.viewer).filter(pk=root.appointment_id).first()

    @strawberry_django.field(description="Scored form sections are not supported: always [] "
                                         "(docs/compatibility.md).")
    def autoscored_sections(self) -> list[strawberry.scalars.JSON]:
        return []

    @strawberry_django.field(description="Group appointments are not supported: always [].")
    def group_appointment_attendees(self) -> list[UserType] | None:
        return []

    @strawberry_django.field(description="Offerings are not part of this product: always null.")
    def packages_with_recommended_products_purchase_url(self) -> str | None:
        return None

    @strawberry_django.field(description="Form versioning is not supported: always null.")
    def versioning_stream_name(self) -> str | None:
        return None

    @strawberry_django.field(only=["locked_at"], description="Whether a provider of the organization may lock "
                                                            "it (it is not locked yet).")
    def provider_can_lock(self, root: models.FormAnswerGroup, info: strawberry.Info,
                          provider_id: strawberry.ID | None = None) -> bool | None:
        return info.context.viewer.is_member and root.locked_at is None

    @strawberry_django.field(only=["locked_at", "locked_by_id"],
                             description="Whether the caller may unlock it: the member who locked it, or the owner.")
    def provider_can_unlock(self, root: models.FormAnswerGroup, info: strawberry.Info,
                            provider_id: strawberry.ID | None = None) -> bool | None:
        viewer = info.context.viewer
        return root.locked_at is not None and viewer.is_member and (
            viewer.is_owner or root.locked_by_id == viewer.user_id)

    @strawberry_django.field(only=["locked_at"], description="Addenda are added to locked forms by members.")
    def provider_can_add_addendum(self, root: models.FormAnswerGroup, info: strawberry.Info,
                                  provider_id: strawberry.ID | None = None) -> bool | None:
        return info.context.viewer.is_member and root.locked_at is not None

    @strawberry_django.field(only=["id"], prefetch_related=["form_answer_group_signings"],
                             description="Whether the caller, a member, has not signed it yet.")
    def provider_can_sign(self, root: models.FormAnswerGroup, info: strawberry.Info,
                          provider_id: strawberry.ID | None = None) -> bool | None:
        viewer = info.context.viewer
        return viewer.is_member and all(s.user_id != viewer.user_id for s in root.form_answer_group_signings.all())

    # --- issue 10, remaining fields (schema/forms/intake_types.py) ---------------------------------

    @strawberry_django.field(only=["metadata"], prefetch_related=[
        lambda info: _intake().audit_prefetches(info)[0], lambda info: _intake().audit_prefetches(info)[1],
        lambda info: _intake().audit_prefetches(info)[2]],
                             description="Locks, unlocks (with the reason), signings and addenda, oldest first "
                                         "(members only).")
    def form_answer_group_audit_events(self, root: models.FormAnswerGroup, info: strawberry.Info) -> list[
            Annotated[FormAnswerGroupAuditEvent, strawberry.lazy("schema.forms.intake_types")]]:
        return _intake().audit_events(root, info)

    @strawberry_django.field(description="AI summaries are not part of this product: always null.")
    def current_summary(self) -> Annotated[GeneratedSummary, strawberry.lazy("schema.forms.intake_types")] | None:
        return None

    @strawberry_django.field(description="Group chart notes are not supported: always [].")
    def form_answer_group_users_connections(self) -> list[
            Annotated[FormAnswerGroupUserConnection, strawberry.lazy("schema.forms.intake_types")]] | None:
        return []

    @strawberry_django.field(description="Group appointment notes are not supported: always [].")
    def individual_client_notes(self, order_by: str | None = None, sort_by: str | None = None) -> list[
            Annotated[IndividualClientType, strawberry.lazy("schema.forms.intake_types")]] | None:
        return []

    @strawberry_django.field(description="Documents are not part of this product yet: always [].")
    def documents(self) -> list[Annotated[Document, strawberry.lazy("schema.forms.intake_types")]] | None:
        return []

    @strawberry_django.field(description="Prescriptions are not part of this product yet: always [].")
    def form_answer_group_prescriptions(self) -> list[
            Annotated[Prescription, strawberry.lazy("schema.forms.intake_types")]]:
        return []

    @strawberry_django.field(description="Lab orders are not part of this product yet: always [].")
    def lab_orders(self) -> list[Annotated[LabOrder, strawberry.lazy("schema.forms.intake_types")]] | None:
        return []

    @strawberry_django.field(description="NARx checks are not part of this product yet: always [].")
    def narx_checks(self) -> list[Annotated[NarxCheck, strawberry.lazy("schema.forms.intake_types")]]:
        return []

    @strawberry_django.field(description="CMS-1500 claims are not part of this product yet: always null.")
    def cms1500(self) -> Annotated[Cms1500, strawberry.lazy("schema.forms.intake_types")] | None:
        return None

    @strawberry_django.field(description="Product recommendations on chart notes are not supported: always null.")
    def offering_with_recommended_products(self) -> Annotated[
            OfferingType, strawberry.lazy("schema.billing.package_types")] | None:
        return None


def _intake():
    from schema.forms import intake_types

    return intake_types
