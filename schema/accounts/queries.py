"""Accounts queries: scoped reads through ``apps.accounts.selectors`` (which also check permissions)."""

from __future__ import annotations

import strawberry

from apps.accounts import selectors
from apps.accounts.services import invitations
from apps.core.errors import NotFound
from schema.accounts.types import ApiKeyType, OrganizationType, TagType, UserGroupType, UserType
from schema.context import Info
from schema.pagination import paginate


@strawberry.type
class Query:
    @strawberry.field(description="The authenticated user.")
    def currentUser(self, info: Info) -> UserType:  # noqa: N802
        return info.context.viewer.require().user

    @strawberry.field(description="A user by id; or_current_user falls back to the authenticated user.")
    def user(self, info: Info, id: strawberry.ID | None = None, or_current_user: bool | None = None,
             clear_notifs: bool | None = None) -> UserType | None:
        viewer = info.context.viewer
        try:
            return selectors.user_get(viewer, id)
        except NotFound:
            if or_current_user:
                return viewer.user
            raise

    @strawberry.field(description="Patients visible to the calling provider or staff member.")
    def users(
        self,
        info: Info,
        offset: int | None = None,
        page_size: int | None = None,
        after: str | None = None,
        keywords: str | None = None,
        sort_by: str | None = None,
        active_status: str | None = None,
        group_id: str | None = None,
        show_all_by_default: bool | None = None,
        should_paginate: bool | None = None,
        provider_id: str | None = None,
        conversation_id: strawberry.ID | None = None,
        limited_to_provider: bool | None = None,
    ) -> list[UserType]:
        viewer = info.context.viewer
        qs = selectors.patients_filter(
            viewer, keywords=keywords, active_status=active_status, group_id=group_id, provider_id=provider_id,
            limited_to_provider=limited_to_provider, show_all_by_default=show_all_by_default,
            conversation_id=conversation_id,
        )
        return paginate(qs, info, sort=selectors.user_sort(sort_by, default="last_name_desc"), offset=offset,
                        page_size=page_size, should_paginate=should_paginate, after=after)

    @strawberry.field(description="How many patients users would return with the same filters.")
    def usersCount(  # noqa: N802
        self,
        info: Info,
        keywords: str | None = None,
        active_status: str | None = None,
        group_id: str | None = None,
        show_all_by_default: bool | None = None,
        provider_id: str | None = None,
        conversation_id: strawberry.ID | None = None,
        limited_to_provider: bool | None = None,
    ) -> int:
        viewer = info.context.viewer
        return selectors.patients_filter(
            viewer, keywords=keywords, active_status=active_status, group_id=group_id, provider_id=provider_id,
            limited_to_provider=limited_to_provider, show_all_by_default=show_all_by_default,
            conversation_id=conversation_id,
        ).count()

    @strawberry.field(description="The caller's organization, or one named by the arguments.")
    def organization(
        self,
        info: Info,
        id: strawberry.ID | None = None,
        provider_id: strawberry.ID | None = None,
        provider_ids: list[strawberry.ID | None] | None = None,
        email: str | None = None,
        for_client: bool | None = None,
    ) -> OrganizationType | None:
        viewer = info.context.viewer
        return selectors.organization_get(viewer, organization_id=id, provider_id=provider_id,
                                          provider_ids=provider_ids, email=email, for_client=for_client)

    @strawberry.field(description="Providers and support staff of the caller's organization.")
    def organizationMembers(  # noqa: N802
        self,
        info: Info,
        offset: int | None = None,
        page_size: int | None = None,
        keywords: str | None = None,
        sort_by: str | None = None,
        licensed_in_state: str | None = None,
        conversation_id: strawberry.ID | None = None,
        should_paginate: bool | None = None,
        after: str | None = None,
    ) -> list[UserType]:
        viewer = info.context.viewer
        qs = selectors.members_filter(viewer, keywords=keywords, licensed_in_state=licensed_in_state,
                                      conversation_id=conversation_id)
        return paginate(qs, info, sort=selectors.user_sort(sort_by, default="last_name"), offset=offset,
                        page_size=page_size, should_paginate=should_paginate, after=after)

    @strawberry.field
    def organizationMembersCount(  # noqa: N802
        self, info: Info, keywords: str | None = None, licensed_in_state: str | None = None,
        conversation_id: strawberry.ID | None = None,
    ) -> int:
        viewer = info.context.viewer
        return selectors.members_filter(viewer, keywords=keywords, licensed_in_state=licensed_in_state,
                                      conversation_id=conversation_id).count()

    @strawberry.field
    def userGroup(self, info: Info, id: strawberry.ID | None = None) -> UserGroupType | None:  # noqa: N802
        return selectors.group_get(info.context.viewer, id)

    @strawberry.field(description="Groups of the organization; not paginated unless should_paginate is true.")
    def userGroups(  # noqa: N802
        self,
        info: Info,
        offset: int | None = None,
        page_size: int | None = None,
        keywords: str | None = None,
        sort_by: str | None = None,
        should_paginate: bool | None = False,
        after: str | None = None,
    ) -> list[UserGroupType]:
        viewer = info.context.viewer
        qs = selectors.groups_filter(viewer, keywords=keywords)
        return paginate(qs, info, sort=selectors.group_sort(sort_by), offset=offset, page_size=page_size,
                        should_paginate=bool(should_paginate), after=after)

    @strawberry.field
    def userGroupsCount(self, info: Info, keywords: str | None = None) -> int:  # noqa: N802
        return selectors.groups_filter(info.context.viewer, keywords=keywords).count()

    @strawberry.field(description="Public. Whether an invitation code (the signup_token of a set_password_link or "
                                  "the code of a welcome e-mail) can still set a password: false when it is "
                                  "unknown, used or expired. Rate-limited per client address.")
    def validateSignupToken(self, info: Info, token: str | None = None) -> bool:  # noqa: N802
        request = info.context.request
        address = (request.META.get("REMOTE_ADDR") if request else None) or "unknown"
        return invitations.invitation_valid(code=token, client_address=address)

    @strawberry.field(description="All tags of the caller's organization.")
    def tags(self, info: Info, ids: list[strawberry.ID] | None = None) -> list[TagType]:
        qs = selectors.tags_visible(info.context.viewer, ids=ids)
        return paginate(qs, info, sort=selectors.TAG_SORT, should_paginate=False)

    @strawberry.field(description="API keys (cursor pagination, newest first).")
    def apiKeys(  # noqa: N802
        self, info: Info, offset: int | None = None, page_size: int | None = None, after: str | None = None,
        should_paginate: bool | None = None,
    ) -> list[ApiKeyType]:
        viewer = info.context.viewer
        return paginate(selectors.api_keys_visible(viewer), info, sort=selectors.API_KEY_SORT, offset=offset,
                        page_size=page_size, should_paginate=should_paginate, after=after)

    @strawberry.field
    def apiKeysCount(self, info: Info) -> int:  # noqa: N802
        return selectors.api_keys_visible(info.context.viewer).count()


