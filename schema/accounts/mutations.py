"""Accounts mutations: thin wrappers that parse input, call one service and build the payload."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import UNSET

from apps.accounts.services import credentials, groups, locations, organizations, patients, tags
from schema.accounts.types import (
    ApiKeyType,
    LocationType,
    OrganizationMembershipType,
    TagType,
    UserGroupType,
    UserType,
)
from schema.context import Info
from schema.errors import FieldErrorType
from schema.payloads import attempt, provided
from schema.permissions import require_member, require_viewer

if TYPE_CHECKING:
    from schema.scheduling.types import AppointmentTypeCreditInput

# ---- inputs -----------------------------------------------------------------------------


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


# ---- payloads ---------------------------------------------------------------------------


@strawberry.type(name="createApiKeyPayload")
class CreateApiKeyPayload:
    api_key: str | None = None
    api_key_object: ApiKeyType | None = None
    messages: list[FieldErrorType] | None = None


@strawberry.type(name="deleteApiKeyPayload")
class DeleteApiKeyPayload:
    api_key: ApiKeyType | None = None
    messages: list[FieldErrorType] | None = None


@strawberry.type(name="signInPayload")
class SignInPayload:
    token: str | None = None
    user: UserType | None = None
    messages: list[FieldErrorType] | None = None


@strawberry.type(name="signOutPayload")
class SignOutPayload:
    success: bool = False
    messages: list[FieldErrorType] | None = None


@strawberry.type(name="UserPayload")
class UserPayload:
    user: UserType | None = None
    messages: list[FieldErrorType] | None = None


@strawberry.type(name="signUpPayload")
class SignUpPayload:
    user: UserType | None = None
    token: str | None = None
    messages: list[FieldErrorType] | None = None


@strawberry.type(name="bulkUpdateClientsPayload")
class BulkUpdateClientsPayload:
    users: list[UserType] | None = None
    messages: list[FieldErrorType] | None = None


@strawberry.type(name="OrganizationMembershipPayload")
class OrganizationMembershipPayload:
    organizationMembership: OrganizationMembershipType | None = None  # noqa: N815
    messages: list[FieldErrorType] | None = None


@strawberry.type(name="UserGroupPayload")
class UserGroupPayload:
    user_group: UserGroupType | None = None
    messages: list[FieldErrorType] | None = None


@strawberry.type(name="TagPayload")
class TagPayload:
    tag: TagType | None = None
    messages: list[FieldErrorType] | None = None


@strawberry.type(name="bulkApplyPayload")
class BulkApplyPayload:
    tags: list[TagType] | None = None
    messages: list[FieldErrorType] | None = None


@strawberry.type(name="LocationPayload")
class LocationPayload:
    location: LocationType | None = None
    messages: list[FieldErrorType] | None = None


# ---- mutations --------------------------------------------------------------------------


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Creates an API key; the key itself is returned only here, once.")
    def createApiKey(self, info: Info, input: CreateApiKeyInput | None = None) -> CreateApiKeyPayload:  # noqa: N802
        viewer = require_viewer(info)
        values = provided(input)
        issued, messages = attempt(lambda: credentials.api_key_create(
            viewer, user_id=values.get("user_id"), name=values.get("name")))
        if issued is None:
            return CreateApiKeyPayload(messages=messages)
        return CreateApiKeyPayload(api_key=issued.plain, api_key_object=issued.record, messages=[])

    @strawberry.mutation(description="Revokes an API key at once.")
    def deleteApiKey(self, info: Info, input: DeleteApiKeyInput | None = None) -> DeleteApiKeyPayload:  # noqa: N802
        viewer = require_viewer(info)
        key, messages = attempt(lambda: credentials.api_key_delete(viewer, key_id=provided(input).get("id")))
        return DeleteApiKeyPayload(api_key=key, messages=messages)

    @strawberry.mutation(description="Signs in with e-mail and password; returns a session token.")
    def signIn(self, info: Info, input: SignInInput | None = None) -> SignInPayload:  # noqa: N802
        values = provided(input)
        session, messages = attempt(lambda: credentials.sign_in(email=values.get("email"),
                                                                password=values.get("password")))
        if session is None:
            return SignInPayload(messages=messages)
        return SignInPayload(token=session.token, user=session.user, messages=[])

    @strawberry.mutation(description="Ends the session the request was made with.")
    def signOut(self, info: Info) -> SignOutPayload:  # noqa: N802
        credentials.sign_out(require_viewer(info))
        return SignOutPayload(success=True, messages=[])

    @strawberry.mutation(description="Patient self sign-up (unauthenticated).")
    def signUp(self, info: Info, input: SignUpInput | None = None) -> SignUpPayload:  # noqa: N802
        user, messages = attempt(lambda: patients.patient_sign_up(values=provided(input)))
        return SignUpPayload(user=user, messages=messages)

    @strawberry.mutation
    def createClient(self, info: Info, input: CreateClientInput | None = None) -> UserPayload:  # noqa: N802
        viewer = require_member(info)
        user, messages = attempt(lambda: patients.client_create(viewer, values=provided(input)))
        return UserPayload(user=user, messages=messages)

    @strawberry.mutation
    def updateClient(self, info: Info, input: UpdateClientInput | None = None) -> UserPayload:  # noqa: N802
        viewer = require_member(info)
        values = provided(input)
        user, messages = attempt(lambda: patients.client_update(viewer, user_id=values.pop("id", None),
                                                                values=values))
        return UserPayload(user=user, messages=messages)

    @strawberry.mutation
    def bulkUpdateClients(  # noqa: N802
        self, info: Info, input: BulkUpdateClientsInput | None = None
    ) -> BulkUpdateClientsPayload:
        viewer = require_member(info)
        values = provided(input)
        users, messages = attempt(lambda: patients.clients_bulk_update(
            viewer, ids=values.get("ids"), user_group_id=values.get("user_group_id"),
            active_status=values.get("active_status")))
        return BulkUpdateClientsPayload(users=users, messages=messages)

    @strawberry.mutation
    def updateUser(self, info: Info, input: UpdateUserInput | None = None) -> UserPayload:  # noqa: N802
        viewer = require_viewer(info)
        values = provided(input)
        user, messages = attempt(lambda: patients.user_update(
            viewer, user_id=values.pop("id", None), current_email=values.pop("current_email", None), values=values))
        return UserPayload(user=user, messages=messages)

    @strawberry.mutation
    def createOrganizationMembership(  # noqa: N802
        self, info: Info, input: CreateOrganizationMembershipInput | None = None
    ) -> OrganizationMembershipPayload:
        viewer = require_member(info)
        membership, messages = attempt(lambda: organizations.membership_create(viewer, values=provided(input)))
        return OrganizationMembershipPayload(organizationMembership=membership, messages=messages)

    @strawberry.mutation
    def updateOrganizationMembership(  # noqa: N802
        self, info: Info, input: UpdateOrganizationMembershipInput | None = None
    ) -> OrganizationMembershipPayload:
        viewer = require_member(info)
        membership, messages = attempt(lambda: organizations.membership_update(viewer, values=provided(input)))
        return OrganizationMembershipPayload(organizationMembership=membership, messages=messages)

    @strawberry.mutation
    def deleteOrganizationMembership(  # noqa: N802
        self, info: Info, input: DeleteOrganizationMembershipInput | None = None
    ) -> OrganizationMembershipPayload:
        viewer = require_member(info)
        membership, messages = attempt(lambda: organizations.membership_delete(
            viewer, membership_id=provided(input).get("id")))
        return OrganizationMembershipPayload(organizationMembership=membership, messages=messages)

    @strawberry.mutation
    def createGroup(self, info: Info, input: CreateGroupInput | None = None) -> UserGroupPayload:  # noqa: N802
        viewer = require_member(info)
        group, messages = attempt(lambda: groups.group_create(viewer, name=provided(input).get("name")))
        return UserGroupPayload(user_group=group, messages=messages)

    @strawberry.mutation
    def updateUserGroup(self, info: Info, input: UpdateUserGroupInput | None = None) -> UserGroupPayload:  # noqa: N802
        viewer = require_member(info)
        values = provided(input)
        group, messages = attempt(lambda: groups.group_update(
            viewer, group_id=values.get("id"), name=values.get("name"),
            onboarding_flow_id=values.get("onboarding_flow_id")))
        return UserGroupPayload(user_group=group, messages=messages)

    @strawberry.mutation
    def deleteUserGroup(self, info: Info, input: DeleteUserGroupInput) -> UserGroupPayload:  # noqa: N802
        viewer = require_member(info)
        values = provided(input)
        group, messages = attempt(lambda: groups.group_delete(
            viewer, group_id=values.get("id"), group_to_receive_clients=values.get("group_to_receive_clients")))
        return UserGroupPayload(user_group=group, messages=messages)

    @strawberry.mutation
    def createTag(self, info: Info, input: CreateTagInput | None = None) -> TagPayload:  # noqa: N802
        viewer = require_member(info)
        values = provided(input)
        tag, messages = attempt(lambda: tags.tag_create(viewer, name=values.get("name"),
                                                        taggable_user_id=values.get("taggable_user_id")))
        return TagPayload(tag=tag, messages=messages)

    @strawberry.mutation
    def updateTag(self, info: Info, input: UpdateTagInput | None = None) -> TagPayload:  # noqa: N802
        viewer = require_member(info)
        values = provided(input)
        tag, messages = attempt(lambda: tags.tag_update(viewer, tag_id=values.get("id"), name=values.get("name")))
        return TagPayload(tag=tag, messages=messages)

    @strawberry.mutation
    def deleteTag(self, info: Info, input: DeleteTagInput | None = None) -> TagPayload:  # noqa: N802
        viewer = require_member(info)
        tag, messages = attempt(lambda: tags.tag_delete(viewer, tag_id=provided(input).get("id")))
        return TagPayload(tag=tag, messages=messages)

    @strawberry.mutation
    def bulkApply(self, info: Info, input: BulkApplyInput | None = None) -> BulkApplyPayload:  # noqa: N802
        viewer = require_member(info)
        values = provided(input)
        applied, messages = attempt(lambda: tags.tags_bulk_apply(
            viewer, tag_ids=values.get("ids"), taggable_user_id=values.get("taggable_user_id")))
        return BulkApplyPayload(tags=applied, messages=messages)

    @strawberry.mutation
    def removeAppliedTag(self, info: Info, input: RemoveAppliedTagInput | None = None) -> TagPayload:  # noqa: N802
        viewer = require_member(info)
        values = provided(input)
        tag, messages = attempt(lambda: tags.tag_remove_applied(
            viewer, tag_id=values.get("id"), taggable_user_id=values.get("taggable_user_id")))
        return TagPayload(tag=tag, messages=messages)

    @strawberry.mutation
    def createLocation(self, info: Info, input: CreateLocationInput | None = None) -> LocationPayload:  # noqa: N802
        viewer = require_viewer(info)
        location, messages = attempt(lambda: locations.location_create(viewer, values=provided(input)))
        return LocationPayload(location=location, messages=messages)

    @strawberry.mutation
    def updateLocation(self, info: Info, input: UpdateLocationInput | None = None) -> LocationPayload:  # noqa: N802
        viewer = require_viewer(info)
        values = provided(input)
        location, messages = attempt(lambda: locations.location_update(
            viewer, location_id=values.pop("id", None), values=values))
        return LocationPayload(location=location, messages=messages)


