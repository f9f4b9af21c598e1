"""Accounts GraphQL inputs, and the builders that turn them into the services' typed inputs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import UNSET

from apps.accounts.inputs import (
    Address,
    ClientChanges,
    CreditChange,
    MemberChanges,
    NewClient,
    NewMember,
    ProfileChanges,
    SignUp,
)
from apps.core.inputs import build
from schema.payloads import provided

if TYPE_CHECKING:
    from schema.scheduling.types import AppointmentTypeCreditInput


@strawberry.input(name="createApiKeyInput")
class CreateApiKeyInput:
    name: str | None = UNSET
    user_id: strawberry.ID | None = UNSET


@strawberry.input(name="deleteApiKeyInput")
class DeleteApiKeyInput:
    id: strawberry.ID | None = UNSET


@strawberry.input(name="signInInput")
class SignInInput:
    email: str | None = UNSET
    password: str | None = UNSET


@strawberry.input(name="signUpInput")
class SignUpInput:
    first_name: str | None = UNSET
    last_name: str | None = UNSET
    email: str | None = UNSET
    password: str | None = UNSET
    phone_number: str | None = UNSET
    invite_code: str | None = UNSET
    role: str | None = UNSET
    provider_type: str | None = UNSET
    dietitian_id: str | None = UNSET
    timezone: str | None = UNSET
    legal_name: str | None = UNSET


@strawberry.input(name="createClientInput")
class CreateClientInput:
    first_name: str | None = UNSET
    last_name: str | None = UNSET
    legal_name: str | None = UNSET
    email: str | None = UNSET
    skipped_email: bool | None = UNSET
    phone_number: str | None = UNSET
    dietitian_id: str | None = UNSET
    user_group_id: str | None = UNSET
    dont_send_welcome: bool | None = UNSET
    timezone: str | None = UNSET
    dob: str | None = UNSET
    gender: str | None = UNSET
    record_identifier: str | None = UNSET


@strawberry.input(name="updateClientInput")
class UpdateClientInput:
    id: strawberry.ID | None = UNSET
    first_name: str | None = UNSET
    last_name: str | None = UNSET
    legal_name: str | None = UNSET
    email: str | None = UNSET
    phone_number: str | None = UNSET
    dob: str | None = UNSET
    gender: str | None = UNSET
    timezone: str | None = UNSET
    record_identifier: str | None = UNSET
    dietitian_id: str | None = UNSET
    user_group_id: str | None = UNSET
    for_changing_groups: bool | None = UNSET
    active: bool | None = UNSET
    password: str | None = UNSET
    resend_welcome: bool | None = UNSET
    send_form_request_reminder: bool | None = UNSET
    is_intake_item: bool | None = UNSET
    requested_form_completion_id: strawberry.ID | None = UNSET
    appointment_type_credits_attributes: list[
        Annotated[AppointmentTypeCreditInput, strawberry.lazy("schema.scheduling.types")] | None
    ] | None = UNSET


@strawberry.input(name="bulkUpdateClientsInput")
class BulkUpdateClientsInput:
    ids: list[strawberry.ID] | None = UNSET
    user_group_id: strawberry.ID | None = UNSET
    active_status: bool | None = UNSET


@strawberry.input(name="updateUserInput")
class UpdateUserInput:
    id: strawberry.ID | None = UNSET
    current_email: str | None = UNSET
    first_name: str | None = UNSET
    last_name: str | None = UNSET
    legal_name: str | None = UNSET
    email: str | None = UNSET
    phone_number: str | None = UNSET
    dob: str | None = UNSET
    gender: str | None = UNSET
    timezone: str | None = UNSET
    password: str | None = UNSET


@strawberry.input(name="createOrganizationMembershipInput")
class CreateOrganizationMembershipInput:
    organization_id: strawberry.ID | None = UNSET
    first_name: str | None = UNSET
    last_name: str | None = UNSET
    email: str | None = UNSET
    password: str | None = UNSET
    title: str | None = UNSET
    org_role: str | None = UNSET
    send_invite_email: bool | None = UNSET
    phone_number: str | None = UNSET
    dont_send_welcome: bool | None = UNSET
    timezone: str | None = UNSET


@strawberry.input(name="updateOrganizationMembershipInput")
class UpdateOrganizationMembershipInput:
    id: strawberry.ID | None = UNSET
    organization_id: strawberry.ID | None = UNSET
    first_name: str | None = UNSET
    last_name: str | None = UNSET
    email: str | None = UNSET
    password: str | None = UNSET
    title: str | None = UNSET
    org_role: str | None = UNSET
    send_invite_email: bool | None = UNSET
    phone_number: str | None = UNSET
    dont_send_welcome: bool | None = UNSET
    timezone: str | None = UNSET
    active: bool | None = UNSET
    qualifications: str | None = UNSET
    can_add_members: bool | None = UNSET
    can_edit_members: bool | None = UNSET
    is_developer: bool | None = UNSET
    can_see_calendar: bool | None = UNSET
    can_edit_forms: bool | None = UNSET
    can_see_all_clients: bool | None = UNSET
    has_api_access: bool | None = UNSET
    can_charge_clients: bool | None = UNSET
    auto_create_convo_for_care_team: bool | None = UNSET


@strawberry.input(name="deleteOrganizationMembershipInput")
class DeleteOrganizationMembershipInput:
    id: strawberry.ID | None = UNSET


@strawberry.input(name="createGroupInput")
class CreateGroupInput:
    name: str | None = UNSET


@strawberry.input(name="updateUserGroupInput")
class UpdateUserGroupInput:
    id: strawberry.ID | None = UNSET
    name: str | None = UNSET
    onboarding_flow_id: strawberry.ID | None = UNSET


@strawberry.input(name="deleteUserGroupInput")
class DeleteUserGroupInput:
    id: strawberry.ID
    group_to_receive_clients: strawberry.ID | None = UNSET


@strawberry.input(name="createTagInput")
class CreateTagInput:
    name: str | None = UNSET
    taggable_user_id: strawberry.ID | None = UNSET


@strawberry.input(name="updateTagInput")
class UpdateTagInput:
    id: strawberry.ID | None = UNSET
    name: str | None = UNSET


@strawberry.input(name="deleteTagInput")
class DeleteTagInput:
    id: strawberry.ID | None = UNSET


@strawberry.input(name="bulkApplyInput")
class BulkApplyInput:
    ids: list[strawberry.ID | None] | None = UNSET
    taggable_user_id: strawberry.ID | None = UNSET


@strawberry.input(name="removeAppliedTagInput")
class RemoveAppliedTagInput:
    id: strawberry.ID | None = UNSET
    taggable_user_id: strawberry.ID | None = UNSET


@strawberry.input(name="createLocationInput")
class CreateLocationInput:
    user_id: str | None = UNSET
    name: str | None = UNSET
    line1: str | None = UNSET
    line2: str | None = UNSET
    city: str | None = UNSET
    state: str | None = UNSET
    zip: str | None = UNSET
    country: str | None = UNSET
    npi: str | None = UNSET
    phone_number: str | None = UNSET


@strawberry.input(name="updateLocationInput")
class UpdateLocationInput:
    id: strawberry.ID | None = UNSET
    name: str | None = UNSET
    line1: str | None = UNSET
    line2: str | None = UNSET
    city: str | None = UNSET
    state: str | None = UNSET
    zip: str | None = UNSET
    country: str | None = UNSET
    npi: str | None = UNSET
    phone_number: str | None = UNSET


# ---- builders: GraphQL input -> service input ---------------------------------------------
# ``provided`` keeps only what the client sent, so "not sent" stays UNSET in the service input.


def sign_up(data: SignUpInput | None) -> SignUp:
    return build(SignUp, provided(data))


def new_client(data: CreateClientInput | None) -> NewClient:
    return build(NewClient, provided(data))


def client_changes(data: UpdateClientInput | None) -> ClientChanges:
    values = provided(data)
    credits = values.get("appointment_type_credits_attributes")
    if credits is not None:
        values["appointment_type_credits_attributes"] = tuple(
            CreditChange(id=item.id, appointment_type_id=item.appointment_type_id,
                         total_credits=item.total_credits, destroy=item.destroy)
            for item in credits if item is not None
        )
    return build(ClientChanges, values)


def profile_changes(data: UpdateUserInput | None) -> ProfileChanges:
    return build(ProfileChanges, provided(data))


def new_member(data: CreateOrganizationMembershipInput | None) -> NewMember:
    return build(NewMember, provided(data))


def member_changes(data: UpdateOrganizationMembershipInput | None) -> MemberChanges:
    return build(MemberChanges, provided(data))


def address(data: CreateLocationInput | UpdateLocationInput | None) -> Address:
    return build(Address, provided(data))
