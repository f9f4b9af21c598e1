"""Accounts mutations: thin wrappers that build a typed input, call one service and fill the payload.

Permissions are the services' (``viewer.require``); missing or hidden ids and bad values come
back in ``messages`` (``schema.payloads.run``).
"""

from __future__ import annotations

import strawberry

from apps.accounts.services import credentials, groups, locations, organizations, patients, tags
from schema.accounts import inputs
from schema.accounts.inputs import (
    BulkApplyInput,
    BulkUpdateClientsInput,
    CreateApiKeyInput,
    CreateClientInput,
    CreateGroupInput,
    CreateLocationInput,
    CreateOrganizationMembershipInput,
    CreateTagInput,
    DeleteApiKeyInput,
    DeleteOrganizationMembershipInput,
    DeleteTagInput,
    DeleteUserGroupInput,
    RemoveAppliedTagInput,
    SignInInput,
    SignUpInput,
    UpdateClientInput,
    UpdateLocationInput,
    UpdateOrganizationMembershipInput,
    UpdateTagInput,
    UpdateUserGroupInput,
    UpdateUserInput,
)
from schema.accounts.payloads import (
    BulkApplyPayload,
    BulkUpdateClientsPayload,
    CreateApiKeyPayload,
    DeleteApiKeyPayload,
    LocationPayload,
    OrganizationMembershipPayload,
    SignInPayload,
    SignOutPayload,
    SignUpPayload,
    TagPayload,
    UserGroupPayload,
    UserPayload,
)
from schema.context import Info
from schema.payloads import provided, run


def _issued_key(issued: credentials.IssuedKey) -> dict[str, object]:
    return {"api_key": issued.plain, "api_key_object": issued.record}


def _session(session: credentials.Session) -> dict[str, object]:
    return {"token": session.token, "user": session.user}


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Creates an API key; the key itself is returned only here, once.")
    def createApiKey(self, info: Info, input: CreateApiKeyInput | None = None) -> CreateApiKeyPayload:  # noqa: N802
        values = provided(input)
        return run(CreateApiKeyPayload, lambda: _issued_key(credentials.api_key_create(
            info.context.viewer, user_id=values.get("user_id"), name=values.get("name"))))

    @strawberry.mutation(description="Revokes an API key at once.")
    def deleteApiKey(self, info: Info, input: DeleteApiKeyInput | None = None) -> DeleteApiKeyPayload:  # noqa: N802
        return run(DeleteApiKeyPayload, lambda: credentials.api_key_delete(
            info.context.viewer, key_id=provided(input).get("id")), "api_key")

    @strawberry.mutation(description="Signs in with e-mail and password; returns a session token.")
    def signIn(self, info: Info, input: SignInInput | None = None) -> SignInPayload:  # noqa: N802
        values = provided(input)
        return run(SignInPayload, lambda: _session(credentials.sign_in(
            email=values.get("email"), password=values.get("password"))))

    @strawberry.mutation(description="Ends the session the request was made with.")
    def signOut(self, info: Info) -> SignOutPayload:  # noqa: N802
        return run(SignOutPayload, lambda: credentials.sign_out(info.context.viewer), "success",
                   failed={"success": False})

    @strawberry.mutation(description="Patient self sign-up (unauthenticated).")
    def signUp(self, info: Info, input: SignUpInput | None = None) -> SignUpPayload:  # noqa: N802
        return run(SignUpPayload, lambda: patients.patient_sign_up(inputs.sign_up(input)), "user")

    @strawberry.mutation
    def createClient(self, info: Info, input: CreateClientInput | None = None) -> UserPayload:  # noqa: N802
        return run(UserPayload, lambda: patients.client_create(info.context.viewer, inputs.new_client(input)), "user")

    @strawberry.mutation
    def updateClient(self, info: Info, input: UpdateClientInput | None = None) -> UserPayload:  # noqa: N802
        return run(UserPayload, lambda: patients.client_update(
            info.context.viewer, user_id=provided(input).get("id"), changes=inputs.client_changes(input)), "user")

    @strawberry.mutation
    def bulkUpdateClients(  # noqa: N802
        self, info: Info, input: BulkUpdateClientsInput | None = None
    ) -> BulkUpdateClientsPayload:
        values = provided(input)
        return run(BulkUpdateClientsPayload, lambda: patients.clients_bulk_update(
            info.context.viewer, ids=values.get("ids"), user_group_id=values.get("user_group_id"),
            active_status=values.get("active_status")), "users")

    @strawberry.mutation
    def updateUser(self, info: Info, input: UpdateUserInput | None = None) -> UserPayload:  # noqa: N802
        values = provided(input)
        return run(UserPayload, lambda: patients.user_update(
            info.context.viewer, user_id=values.get("id"), current_email=values.get("current_email"),
            changes=inputs.profile_changes(input)), "user")

    @strawberry.mutation
    def createOrganizationMembership(  # noqa: N802
        self, info: Info, input: CreateOrganizationMembershipInput | None = None
    ) -> OrganizationMembershipPayload:
        return run(OrganizationMembershipPayload, lambda: organizations.membership_create(
            info.context.viewer, inputs.new_member(input)), "organizationMembership")

    @strawberry.mutation
    def updateOrganizationMembership(  # noqa: N802
        self, info: Info, input: UpdateOrganizationMembershipInput | None = None
    ) -> OrganizationMembershipPayload:
        return run(OrganizationMembershipPayload, lambda: organizations.membership_update(
            info.context.viewer, inputs.member_changes(input)), "organizationMembership")

    @strawberry.mutation
    def deleteOrganizationMembership(  # noqa: N802
        self, info: Info, input: DeleteOrganizationMembershipInput | None = None
    ) -> OrganizationMembershipPayload:
        return run(OrganizationMembershipPayload, lambda: organizations.membership_delete(
            info.context.viewer, membership_id=provided(input).get("id")), "organizationMembership")

    @strawberry.mutation
    def createGroup(self, info: Info, input: CreateGroupInput | None = None) -> UserGroupPayload:  # noqa: N802
        return run(UserGroupPayload, lambda: groups.group_create(
            info.context.viewer, name=provided(input).get("name")), "user_group")

    @strawberry.mutation
    def updateUserGroup(self, info: Info, input: UpdateUserGroupInput | None = None) -> UserGroupPayload:  # noqa: N802
        values = provided(input)
        return run(UserGroupPayload, lambda: groups.group_update(
            info.context.viewer, group_id=values.get("id"), name=values.get("name"),
            onboarding_flow_id=values.get("onboarding_flow_id")), "user_group")

    @strawberry.mutation
    def deleteUserGroup(self, info: Info, input: DeleteUserGroupInput) -> UserGroupPayload:  # noqa: N802
        values = provided(input)
        return run(UserGroupPayload, lambda: groups.group_delete(
            info.context.viewer, group_id=values.get("id"),
            group_to_receive_clients=values.get("group_to_receive_clients")), "user_group")

    @strawberry.mutation
    def createTag(self, info: Info, input: CreateTagInput | None = None) -> TagPayload:  # noqa: N802
        values = provided(input)
        return run(TagPayload, lambda: tags.tag_create(
            info.context.viewer, name=values.get("name"), taggable_user_id=values.get("taggable_user_id")), "tag")

    @strawberry.mutation
    def updateTag(self, info: Info, input: UpdateTagInput | None = None) -> TagPayload:  # noqa: N802
        values = provided(input)
        return run(TagPayload, lambda: tags.tag_update(
            info.context.viewer, tag_id=values.get("id"), name=values.get("name")), "tag")

    @strawberry.mutation
    def deleteTag(self, info: Info, input: DeleteTagInput | None = None) -> TagPayload:  # noqa: N802
        return run(TagPayload, lambda: tags.tag_delete(info.context.viewer, tag_id=provided(input).get("id")), "tag")

    @strawberry.mutation
    def bulkApply(self, info: Info, input: BulkApplyInput | None = None) -> BulkApplyPayload:  # noqa: N802
        values = provided(input)
        return run(BulkApplyPayload, lambda: tags.tags_bulk_apply(
            info.context.viewer, tag_ids=values.get("ids"), taggable_user_id=values.get("taggable_user_id")), "tags")

    @strawberry.mutation
    def removeAppliedTag(self, info: Info, input: RemoveAppliedTagInput | None = None) -> TagPayload:  # noqa: N802
        values = provided(input)
        return run(TagPayload, lambda: tags.tag_remove_applied(
            info.context.viewer, tag_id=values.get("id"), taggable_user_id=values.get("taggable_user_id")), "tag")

    @strawberry.mutation
    def createLocation(self, info: Info, input: CreateLocationInput | None = None) -> LocationPayload:  # noqa: N802
        return run(LocationPayload, lambda: locations.location_create(
            info.context.viewer, user_id=provided(input).get("user_id"), address=inputs.address(input)), "location")

    @strawberry.mutation
    def updateLocation(self, info: Info, input: UpdateLocationInput | None = None) -> LocationPayload:  # noqa: N802
        return run(LocationPayload, lambda: locations.location_update(
            info.context.viewer, location_id=provided(input).get("id"), address=inputs.address(input)), "location")
