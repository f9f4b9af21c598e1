"""GraphQL types of charting: signings, addenda, smart phrases, charting items, and the
published types of features this product does not have (drafts, form histories, AI-generated
notes), which are declared so clients validate but are never returned (docs/compatibility.md)."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
import strawberry_django
from django.db.models import Count
from strawberry_django.optimizer import optimize

from apps.core.timefmt import format_datetime
from apps.forms import models
from apps.forms.selectors.charting import visible_answer_groups
from schema.accounts.types import UserType, shown_prefetch, shown_user, shown_user_field

if TYPE_CHECKING:
    from schema.forms.answer_types import FormAnswerGroupType
    from schema.forms.intake_types import Document
    from schema.forms.template_types import CustomModuleFormType, CustomModuleType
    from schema.scheduling.types import AppointmentObjectType

FormAnswerGroupRef = Annotated["FormAnswerGroupType", strawberry.lazy("schema.forms.answer_types")]


def _name(user: Any) -> str | None:
    if user is None:
        return None
    return (getattr(user, "legal_name", "") or f"{user.first_name} {user.last_name}").strip() or None


@strawberry.enum(name="ChartNoteStatus")
class ChartNoteStatus(Enum):
    CREATED = "CREATED"
    SIGNED = "SIGNED"
    CO_SIGNED = "CO_SIGNED"
    LOCKED = "LOCKED"
    CO_SIGNED_AND_LOCKED = "CO_SIGNED_AND_LOCKED"
    SIGNED_AND_LOCKED = "SIGNED_AND_LOCKED"


@strawberry.enum(name="SmartPhraseOrderKeys")
class SmartPhraseOrderKeys(Enum):
    CREATED_AT_ASC = "created_at_asc"
    CREATED_AT_DESC = "created_at_desc"
    NAME_ASC = "name_asc"
    NAME_DESC = "name_desc"
    UPDATED_AT_ASC = "updated_at_asc"
    UPDATED_AT_DESC = "updated_at_desc"


@strawberry.enum(name="FormHistorySourceable")
class FormHistorySourceable(Enum):
    RequestedFormCompletion = "RequestedFormCompletion"
    OnboardingItem = "OnboardingItem"


@strawberry.enum(name="FormHistoryAction")
class FormHistoryAction(Enum):
    created = "created"
    edited = "edited"
    opened = "opened"
    completed = "completed"
    skipped = "skipped"


@strawberry.enum(name="GeneratedFormAnswerGroupRejectionReasonEnum")
class GeneratedFormAnswerGroupRejectionReasonEnum(Enum):
    INACCURATE_INFORMATION = "INACCURATE_INFORMATION"
    MISSING_DETAILS = "MISSING_DETAILS"
    DIDNT_FOLLOW_INSTRUCTIONS = "DIDNT_FOLLOW_INSTRUCTIONS"
    DUPLICATE_OR_OWN_NOTE = "DUPLICATE_OR_OWN_NOTE"


@strawberry_django.type(models.FormAnswerGroupSigning, name="FormAnswerGroupSigning")
class FormAnswerGroupSigningType:
    id: strawberry.ID
    user: UserType | None = shown_user_field("user")

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.FormAnswerGroupSigning) -> str:
        return format_datetime(root.created_at)

    @strawberry_django.field(only=["form_answer_group_id"])
    def form_answer_group_id(self, root: models.FormAnswerGroupSigning) -> str | None:
        return str(root.form_answer_group_id)

    @strawberry_django.field
    def user_avatar_url(self) -> str | None:
        """Avatars are not stored by this product."""
        return None

    @strawberry_django.field(only=["user_id"], select_related=["user"])
    def user_full_legal_name(self, root: models.FormAnswerGroupSigning) -> str | None:
        # A signer is always a provider or staff member, whom everyone seeing the note may see.
        return _name(root.user)

    @strawberry_django.field(only=["user_id"], select_related=["user__membership"])
    def user_qualifications(self, root: models.FormAnswerGroupSigning) -> str | None:
        membership = getattr(root.user, "membership", None)
        return (membership.qualifications or None) if membership else None


@strawberry_django.type(models.ChartingNoteAddendum, name="ChartingNoteAddendumType")
class ChartingNoteAddendumType:
    id: strawberry.ID
    content: str | None
    user: UserType | None = shown_user_field("user")
    # Addenda are read through visible groups, so their note is visible too.
    form_answer_group: FormAnswerGroupRef | None

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.ChartingNoteAddendum) -> str:
        return format_datetime(root.created_at)


@strawberry_django.type(models.SmartPhrase, name="SmartPhrase")
class SmartPhraseType:
    id: strawberry.ID
    name: str | None
    user: UserType | None = shown_user_field("user")

    @strawberry_django.field(only=["text"])
    def phrase(self, root: models.SmartPhrase) -> str | None:
        return root.text

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.SmartPhrase) -> str:
        return format_datetime(root.created_at)

    @strawberry_django.field(only=["updated_at"])
    def updated_at(self, root: models.SmartPhrase) -> str | None:
        return format_datetime(root.updated_at)

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root: models.SmartPhrase) -> str | None:
        """Pass as ``after`` to get the items that follow this one."""
        return getattr(root, "cursor", None)


BATCH_ATTR = "_charting_note_batch"


def with_note_batch(rows: list[models.FormAnswerGroup]) -> list[models.FormAnswerGroup]:
    """Marks the items of one list so their ``form_answer_group`` fields load in one query."""
    batch: dict[str, Any] = {"ids": [row.pk for row in rows], "loaded": None}
    for row in rows:
        setattr(row, BATCH_ATTR, batch)
    return rows


def _signed_annotation(info: strawberry.Info) -> Any:
    return Count("form_answer_group_signings", distinct=True)


@strawberry_django.type(models.FormAnswerGroup, name="ChartingItemType")
class ChartingItemType:
    """One entry of a patient's chart: here always a filled-out form (its own id)."""

    id: strawberry.ID
    name: str | None
    filler_id: strawberry.ID | None

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.FormAnswerGroup) -> str:
        return format_datetime(root.created_at)

    @strawberry_django.field(only=["id"])
    def form_answer_group_id(self, root: models.FormAnswerGroup) -> strawberry.ID:
        return strawberry.ID(str(root.pk))

    @strawberry_django.field(only=["id"])
    def form_answer_group(self, root: models.FormAnswerGroup, info: strawberry.Info) -> FormAnswerGroupRef | None:
        # The item is the note itself, but loaded with only the item's columns; the note's own
        # selection is loaded once for the whole list (``with_note_batch``), not per row.
        batch = getattr(root, BATCH_ATTR, None)
        scoped = visible_answer_groups(info.context.viewer)
        if batch is None:
            return optimize(scoped.filter(pk=root.pk), info).first()
        if batch.get("loaded") is None:
            batch["loaded"] = {g.pk: g for g in optimize(scoped.filter(pk__in=batch["ids"]), info)}
        return batch["loaded"].get(root.pk)

    @strawberry_django.field(select_related=["custom_module_form"],
                             only=["custom_module_form__name", "custom_module_form__use_for_charting",
                                   "custom_module_form__use_for_program"])
    def custom_module_form_name(self, root: models.FormAnswerGroup) -> str | None:
        return root.custom_module_form.name

    @strawberry_django.field(select_related=["custom_module_form"],
                             only=["custom_module_form__use_for_charting"])
    def use_for_charting(self, root: models.FormAnswerGroup) -> bool | None:
        return root.custom_module_form.use_for_charting

    @strawberry_django.field(select_related=["custom_module_form"],
                             only=["custom_module_form__use_for_program"])
    def use_for_program(self, root: models.FormAnswerGroup) -> bool | None:
        return root.custom_module_form.use_for_program

    @strawberry_django.field(only=["filler_id"], prefetch_related=[shown_prefetch("filler")])
    def provider_name(self, root: models.FormAnswerGroup, info: strawberry.Info) -> str | None:
        return _name(shown_user(root, "filler", info))

    @strawberry_django.field(annotate={"_signings": _signed_annotation})
    def signed(self, root: models.FormAnswerGroup) -> bool | None:
        return bool(getattr(root, "_signings", 0))

    @strawberry_django.field
    def is_document(self) -> bool | None:
        return False

    @strawberry_django.field
    def is_generated(self) -> bool | None:
        return False

    @strawberry_django.field
    def generated_form_answer_group(self) -> GeneratedFormAnswerGroupType | None:
        return None

    @strawberry_django.field(description="Documents are not part of this product yet: always null.")
    def document(self) -> Annotated[Document, strawberry.lazy("schema.forms.intake_types")] | None:
        return None


@strawberry.type(name="Draft", description="Message drafts are not kept by this product: never returned.")
class DraftType:
    id: strawberry.ID
    content: str | None = None
    conversation_membership_id: strawberry.ID | None = None


@strawberry.type(name="FormHistory", description="Form histories are not recorded by this product: never "
                                                 "returned (docs/compatibility.md).")
class FormHistoryType:
    id: strawberry.ID
    action: FormHistoryAction | None = None
    created_at: str | None = None
    title: str | None = None
    creator: UserType | None = None
    patient: UserType | None = None


@strawberry.type(name="GeneratedFormAnswerGroupType",
                 description="AI-generated chart notes are not part of this product: never returned.")
class GeneratedFormAnswerGroupType:
    id: strawberry.ID
    appointment_id: strawberry.ID | None = None
    created_at: str | None = None
    feedback: str | None = None
    kind: str | None = None
    rejection_reason: list[str] | None = None
    generated_form_answers: list[GeneratedFormAnswerType] = strawberry.field(default_factory=list)
    appointment: Annotated[AppointmentObjectType, strawberry.lazy("schema.scheduling.types")] | None = None
    custom_module_form: Annotated[CustomModuleFormType, strawberry.lazy("schema.forms.template_types")] | None = None
    form_answer_group: FormAnswerGroupRef | None = None


@strawberry.type(name="GeneratedFormAnswerType",
                 description="AI-generated chart notes are not part of this product: never returned.")
class GeneratedFormAnswerType:
    id: strawberry.ID | None = None
    answer: str | None = None
    displayed_answer: str | None = None
    custom_module: Annotated[CustomModuleType, strawberry.lazy("schema.forms.template_types")] | None = None
