"""Inputs of the onboarding mutations. ID-like fields are String where the documented operations
declare their variables as String."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry import UNSET


@strawberry.enum(name="OnboardingFlowOrderKeys")
class OnboardingFlowOrderKeys(Enum):
    CREATED_AT_ASC = "created_at_asc"
    CREATED_AT_DESC = "created_at_desc"
    NAME_ASC = "name_asc"
    NAME_DESC = "name_desc"
    FORMS_COUNT_ASC = "forms_count_asc"
    FORMS_COUNT_DESC = "forms_count_desc"


@strawberry.input(name="createOnboardingFlowInput")
class CreateOnboardingFlowInput:
    name: str | None = UNSET
    groups_to_use_onboarding_flow: str | None = UNSET


@strawberry.input(name="updateOnboardingFlowInput")
class UpdateOnboardingFlowInput:
    id: strawberry.ID | None = UNSET
    name: str | None = UNSET
    groups_to_use_onboarding_flow: str | None = UNSET


@strawberry.input(name="deleteOnboardingFlowInput")
class DeleteOnboardingFlowInput:
    id: strawberry.ID | None = UNSET
    flow_to_receive_groups: strawberry.ID | None = UNSET


@strawberry.input(name="createOnboardingItemInput")
class CreateOnboardingItemInput:
    onboarding_flow_id: str | None = UNSET
    item_type: str | None = UNSET
    item_id: str | None = UNSET
    is_skippable: bool | None = UNSET
    welcome_text: str | None = UNSET
    new_form_name: str | None = strawberry.field(default=UNSET, description="Not supported: answered in messages.")
    billing_disclaimer: str | None = strawberry.field(default=UNSET, description="Accepted and ignored.")
    policy_disclaimer: str | None = strawberry.field(default=UNSET, description="Accepted and ignored.")


@strawberry.input(name="updateOnboardingItemInput")
class UpdateOnboardingItemInput:
    id: strawberry.ID | None = UNSET
    onboarding_flow_id: str | None = UNSET
    item_type: str | None = UNSET
    item_id: str | None = UNSET
    is_skippable: bool | None = UNSET
    row_order: int | None = UNSET
    welcome_text: str | None = UNSET
    billing_disclaimer: str | None = strawberry.field(default=UNSET, description="Accepted and ignored.")
    policy_disclaimer: str | None = strawberry.field(default=UNSET, description="Accepted and ignored.")
    photo_id_disclaimer: strawberry.ID | None = strawberry.field(default=UNSET, description="Accepted and ignored.")


@strawberry.input(name="deleteOnboardingItemInput")
class DeleteOnboardingItemInput:
    id: strawberry.ID | None = UNSET


@strawberry.input(name="createCompletedOnboardingItemInput")
class CreateCompletedOnboardingItemInput:
    onboarding_item_id: strawberry.ID | None = UNSET
    user_id: strawberry.ID | None = UNSET
    skipped: bool | None = UNSET
