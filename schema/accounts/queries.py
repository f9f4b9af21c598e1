from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import strawberry
from django.db.models import Count, DateTimeField, Value
from django.db.models.functions import Coalesce, Lower

from apps.accounts import selectors
from apps.core.errors import NotFound, ValidationFailed
from apps.scheduling.selectors import next_appointment_start_subquery
from schema.accounts.types import ApiKeyType, OrganizationType, TagType, UserGroupType, UserType
from schema.context import Info
from schema.pagination import SortKey, by_id, paginate
from schema.permissions import require_member, require_viewer

# Users without an upcoming appointment sort after everyone else in both directions. Keyset
# cursors cannot hold NULL, so the missing start is replaced by a date beyond every real one
# (appointments are bounded to the years 1970-2200): far future ascending, far past descending.
_NO_APPT_ASC = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
_NO_APPT_DESC = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


def _next_appt_sort(descending: bool) -> Callable[[], list[SortKey]]:
    def build() -> list[SortKey]:
        # Built per request: the subquery compares against the current time.
        sentinel = _NO_APPT_DESC if descending else _NO_APPT_ASC
        start = Coalesce(next_appointment_start_subquery(), Value(sentinel), output_field=DateTimeField())
        return [SortKey("na", descending, start)]

    return build


Sort = list[SortKey] | Callable[[], list[SortKey]]

# sort_by values documented for users and organizationMembers; group and provider sorts
# coalesce missing values so keyset cursors stay valid on them.
USER_SORTS: dict[str, Sort] = {
    "last_name_desc": [SortKey("ln", True, Lower("last_name"))],
    "last_name_asc": [SortKey("ln", False, Lower("last_name"))],
    "last_name": [SortKey("ln", False, Lower("last_name"))],
    "first_name_asc": [SortKey("fn", False, Lower("first_name"))],
    "first_name_desc": [SortKey("fn", True, Lower("first_name"))],
    "email": [SortKey("em", False, Lower("email"))],
    "created_at_asc": [SortKey("created_at", False)],
    "created_at_desc": [SortKey("created_at", True)],
    "updated_at_asc": [SortKey("updated_at", False)],
    "updated_at_desc": [SortKey("updated_at", True)],
    "group_name_asc": [SortKey("gn", False, Coalesce(Lower("user_group__name"), Value("")))],
    "group_name_desc": [SortKey("gn", True, Coalesce(Lower("user_group__name"), Value("")))],
    "provider_name_asc": [SortKey("pn", False, Coalesce(Lower("dietitian__last_name"), Value("")))],
    "provider_name_desc": [SortKey("pn", True, Coalesce(Lower("dietitian__last_name"), Value("")))],
    "next_appt_asc": _next_appt_sort(descending=False),
    "next_appt_desc": _next_appt_sort(descending=True),
}
GROUP_SORTS: dict[str, Sort] = {
    "name": [SortKey("n", False, Lower("name"))],
    "group_name_asc": [SortKey("n", False, Lower("name"))],
    "group_name_desc": [SortKey("n", True, Lower("name"))],
    "invite_code": [SortKey("invite_code", False)],
    "created_at_asc": [SortKey("created_at", False)],
    "created_at_desc": [SortKey("created_at", True)],
    "users_count_asc": [SortKey("uc", False, Count("users"))],
    "users_count_desc": [SortKey("uc", True, Count("users"))],
}


def sort_for(table: dict[str, Sort], sort_by: str | None, default: str) -> list[SortKey]:
    key = (sort_by or default).strip().lower()
    if key not in table:
        raise ValidationFailed("sort_by", f"'sort_by' must be one of: {', '.join(sorted(table))}.")
    sort = table[key]
    return sort() if callable(sort) else sort


@strawberry.type
class Query:
    @strawberry.field(description="The authenticated user.")
    def currentUser(self, info: Info) -> UserType:  # noqa: N802
        return require_viewer(info).user

    @strawberry.field(description="A user by id; or_current_user falls back to the authenticated user.")
    def user(self, info: Info, id: strawberry.ID | None = None, or_current_user: bool | None = None,
             clear_notifs: bool | None = None) -> UserType | None:
        viewer = require_viewer(info)
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
        viewer = require_member(info)
        qs = selectors.patients_filter(
            viewer, keywords=keywords, active_status=active_status, group_id=group_id, provider_id=provider_id,
            limited_to_provider=limited_to_provider, show_all_by_default=show_all_by_default,
            conversation_id=conversation_id,
        )
        return paginate(qs, info, sort=sort_for(USER_SORTS, sort_by, "last_name_desc"), offset=offset,
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
        viewer = require_member(info)
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
        viewer = require_viewer(info)
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
        viewer = require_member(info)
        qs = selectors.members_filter(viewer, keywords=keywords, licensed_in_state=licensed_in_state,
                                      conversation_id=conversation_id)
        return paginate(qs, info, sort=sort_for(USER_SORTS, sort_by, "last_name"), offset=offset,
                        page_size=page_size, should_paginate=should_paginate, after=after)

    @strawberry.field
    def organizationMembersCount(  # noqa: N802
        self, info: Info, keywords: str | None = None, licensed_in_state: str | None = None,
        conversation_id: strawberry.ID | None = None,
    ) -> int:
        viewer = require_member(info)
        return selectors.members_filter(viewer, keywords=keywords, licensed_in_state=licensed_in_state,
                                      conversation_id=conversation_id).count()

    @strawberry.field
    def userGroup(self, info: Info, id: strawberry.ID | None = None) -> UserGroupType | None:  # noqa: N802
        return selectors.group_get(require_member(info), id)

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
        viewer = require_member(info)
        qs = selectors.groups_filter(viewer, keywords=keywords)
        return paginate(qs, info, sort=sort_for(GROUP_SORTS, sort_by, "name"), offset=offset, page_size=page_size,
                        should_paginate=bool(should_paginate), after=after)

    @strawberry.field
    def userGroupsCount(self, info: Info, keywords: str | None = None) -> int:  # noqa: N802
        return selectors.groups_filter(require_member(info), keywords=keywords).count()

    @strawberry.field(description="All tags of the caller's organization.")
    def tags(self, info: Info, ids: list[strawberry.ID] | None = None) -> list[TagType]:
        viewer = require_member(info)
        qs = selectors.tags_visible(viewer)
        if ids is not None:
            qs = qs.filter(pk__in=[pk for pk in (selectors.parse_id(i) for i in ids) if pk])
        return paginate(qs, info, sort=[SortKey("n", False, Lower("name"))], should_paginate=False)

    @strawberry.field(description="API keys (cursor pagination, newest first).")
    def apiKeys(  # noqa: N802
        self, info: Info, offset: int | None = None, page_size: int | None = None, after: str | None = None,
        should_paginate: bool | None = None,
    ) -> list[ApiKeyType]:
        viewer = require_viewer(info)
        return paginate(selectors.api_keys_visible(viewer), info, sort=by_id(), offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)

    @strawberry.field
    def apiKeysCount(self, info: Info) -> int:  # noqa: N802
        return selectors.api_keys_visible(require_viewer(info)).count()


