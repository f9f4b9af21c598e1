"""Accounts mutation payloads, declared with the one payload factory (``schema.payloads``)."""

from __future__ import annotations

from schema.accounts.types import (
    ApiKeyType,
    LocationType,
    OrganizationMembershipType,
    TagType,
    UserGroupType,
    UserType,
)
from schema.payloads import payload_type

CreateApiKeyPayload = payload_type("createApiKeyPayload", api_key=str, api_key_object=ApiKeyType)
DeleteApiKeyPayload = payload_type("deleteApiKeyPayload", api_key=ApiKeyType)
SignInPayload = payload_type("signInPayload", token=str, user=UserType)
SignOutPayload = payload_type("signOutPayload", success=bool, non_null=["success"])
UserPayload = payload_type("UserPayload", user=UserType)
SignUpPayload = payload_type("signUpPayload", user=UserType, token=str)
BulkUpdateClientsPayload = payload_type("bulkUpdateClientsPayload", users=list[UserType])
OrganizationMembershipPayload = payload_type("OrganizationMembershipPayload",
                                             organizationMembership=OrganizationMembershipType)
UserGroupPayload = payload_type("UserGroupPayload", user_group=UserGroupType)
TagPayload = payload_type("TagPayload", tag=TagType)
BulkApplyPayload = payload_type("bulkApplyPayload", tags=list[TagType])
LocationPayload = payload_type("LocationPayload", location=LocationType)
