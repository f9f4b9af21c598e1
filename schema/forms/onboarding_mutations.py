"""Onboarding mutations: one service call each, mapped by ``schema.payloads.run``."""

from __future__ import annotations

import strawberry

from apps.core.errors import ValidationFailed
from apps.core.inputs import UNSET as NOT_SENT
from apps.forms.services import onboarding as services
from schema.context import Info
from schema.forms import onboarding_inputs as inputs
from schema.forms.onboarding_payloads import (
    CreateCompletedOnboardingItemPayload,
    CreateOnboardingFlowPayload,
    CreateOnboardingItemPayload,
    DeleteOnboardingFlowPayload,
    DeleteOnboardingItemPayload,
    UpdateOnboardingFlowPayload,
    UpdateOnboardingItemPayload,
)
from schema.payloads import provided, run


def _item_create(info: Info, values: dict):
    if values.get("new_form_name"):
        raise ValidationFailed("new_form_name", "Creating a form from an onboarding item is not available; "
                                                "create the form first and pass its id.")
    return services.item_create(
        info.context.viewer, flow_id=values.get("onboarding_flow_id"), item_type=values.get("item_type"),
        item_id=values.get("item_id"), is_skippable=values.get("is_skippable"),
        welcome_text=values.get("welcome_text"))


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Creates an onboarding flow, optionally used by the listed user groups.")
    def createOnboardingFlow(  # noqa: N802
        self, info: Info, input: inputs.CreateOnboardingFlowInput | None = None,
    ) -> CreateOnboardingFlowPayload:
        values = provided(input)
        return run(CreateOnboardingFlowPayload, lambda: services.flow_create(
            info.context.viewer, name=values.get("name"), groups=values.get("groups_to_use_onboarding_flow")),
            "onboardingFlow")

    @strawberry.mutation(description="Renames a flow; groups_to_use_onboarding_flow replaces the groups using it.")
    def updateOnboardingFlow(  # noqa: N802
        self, info: Info, input: inputs.UpdateOnboardingFlowInput | None = None,
    ) -> UpdateOnboardingFlowPayload:
        values = provided(input)
        return run(UpdateOnboardingFlowPayload, lambda: services.flow_update(
            info.context.viewer, flow_id=values.get("id"), name=values.get("name"),
            groups=values.get("groups_to_use_onboarding_flow", NOT_SENT)), "onboardingFlow")

    @strawberry.mutation(description="Deletes a flow; its groups move to flow_to_receive_groups or to no flow.")
    def deleteOnboardingFlow(  # noqa: N802
        self, info: Info, input: inputs.DeleteOnboardingFlowInput | None = None,
    ) -> DeleteOnboardingFlowPayload:
        values = provided(input)
        return run(DeleteOnboardingFlowPayload, lambda: services.flow_delete(
            info.context.viewer, flow_id=values.get("id"),
            flow_to_receive_groups=values.get("flow_to_receive_groups")), "onboardingFlow")

    @strawberry.mutation(description="Adds a step (a form or a built-in step) at the end of a flow.")
    def createOnboardingItem(  # noqa: N802
        self, info: Info, input: inputs.CreateOnboardingItemInput | None = None,
    ) -> CreateOnboardingItemPayload:
        values = provided(input)
        return run(CreateOnboardingItemPayload, lambda: _item_create(info, values), "onboardingItem")

    @strawberry.mutation(description="Changes an item's type, form, skippability, order or flow.")
    def updateOnboardingItem(  # noqa: N802
        self, info: Info, input: inputs.UpdateOnboardingItemInput | None = None,
    ) -> UpdateOnboardingItemPayload:
        values = provided(input)
        return run(UpdateOnboardingItemPayload, lambda: services.item_update(
            info.context.viewer, item_id=values.get("id"), values=values), "onboardingItem")

    @strawberry.mutation(description="Removes an item; patients' completions of it are kept.")
    def deleteOnboardingItem(  # noqa: N802
        self, info: Info, input: inputs.DeleteOnboardingItemInput | None = None,
    ) -> DeleteOnboardingItemPayload:
        values = provided(input)
        return run(DeleteOnboardingItemPayload, lambda: services.item_delete(
            info.context.viewer, item_id=values.get("id")), "onboardingItem")

    @strawberry.mutation(description="Marks an onboarding item completed (or skipped) by a patient (the caller "
                                     "when user_id is not given).")
    def createCompletedOnboardingItem(  # noqa: N802
        self, info: Info, input: inputs.CreateCompletedOnboardingItemInput | None = None,
    ) -> CreateCompletedOnboardingItemPayload:
        values = provided(input)
        return run(CreateCompletedOnboardingItemPayload, lambda: services.completed_item_create(
            info.context.viewer, onboarding_item_id=values.get("onboarding_item_id"),
            user_id=values.get("user_id"), skipped=values.get("skipped")), "completed_onboarding_item")
