"""Scoped reads for accounts: every function takes the viewer and returns only what it may see.

An ID outside the viewer's scope behaves exactly like an ID that does not exist.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable

from django.db.models import Count, DateTimeField, Expression, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Lower

from apps.accounts.models import ApiKey, Location, Organization, OrganizationMembership, Tag, User, UserGroup
from apps.accounts.viewer import MEMBER, Viewer
from apps.core.errors import NotFound
from apps.core.lookup import get_visible, parse_id
from apps.core.ordering import Sort, SortKey, sort_for
from apps.core.text import reject_nul
from apps.core.timefmt import TimeFormatError, parse_date


def _none(model):
    return model.objects.none()


def _care_team_patient_ids(provider_id: int | None):
    """Ids of patients whose care team includes ``provider_id`` (a subquery, so no DISTINCT is needed:
    DISTINCT would forbid ``select_for_update`` on PostgreSQL)."""
    return User.care_team.through.objects.filter(to_user_id=provider_id).values("from_user_id")


def _own_patients(provider_id: int | None) -> Q:
    """Patients ``provider_id`` is the primary provider of, or is on the care team of."""
    return Q(dietitian_id=provider_id) | Q(pk__in=_care_team_patient_ids(provider_id))


def visible_users(viewer: Viewer) -> QuerySet[User]:
    """Members see their organization's providers and the patients ``visible_patients`` allows;
    a patient sees themselves and their providers (primary provider and care team)."""
    if not viewer.is_authenticated:
        return _none(User)
    if viewer.is_patient:
        me = viewer.user
        team = User.care_team.through.objects.filter(from_user_id=me.pk).values("to_user_id")
        return User.objects.filter(
            Q(pk=me.pk) | Q(pk=me.dietitian_id, is_patient=False) | Q(pk__in=team, is_patient=False)
        )
    if not viewer.is_member:
        return _none(User)
    qs = User.objects.filter(organization_id=viewer.organization_id)
    if not viewer.has_permission("can_see_all_clients"):
        # A member restricted to their own patients must not read the others through ``user(id:)``.
        qs = qs.filter(Q(is_patient=False) | _own_patients(viewer.user_id))
    return qs


def visible_patients(viewer: Viewer) -> QuerySet[User]:
    if not viewer.is_authenticated:
        return _none(User)
    if viewer.is_patient:
        return User.objects.filter(pk=viewer.user_id)
    if not viewer.is_member:
        return _none(User)
    qs = User.objects.filter(organization_id=viewer.organization_id, is_patient=True)
    if not viewer.has_permission("can_see_all_clients"):
        qs = qs.filter(_own_patients(viewer.user_id))
    return qs


def shown_users(viewer: Viewer) -> QuerySet[User]:
    """Users that may appear as a related object of something the viewer already sees (an
    appointment's client and providers, a tag's author and tagged users, a care team, a
    membership's user): every user ``visible_users`` allows, plus, for a patient, the providers
    and staff of their organization (the provider of their appointment need not be their own),
    for a member also the providers and staff of their sub-organizations (whose memberships they
    manage), and for an anonymous caller only providers (public booking pages name them).

    A patient outside ``visible_patients`` is never among them: every type field that returns a
    user reads through this queryset, so a hidden patient answers like one that does not exist.
    """
    if not viewer.is_authenticated:
        return User.objects.filter(is_patient=False)
    if viewer.is_patient:
        return User.objects.filter(
            Q(pk=viewer.user_id) | Q(organization_id=viewer.organization_id, is_patient=False)
        )
    return visible_users(viewer) | User.objects.filter(is_patient=False,
                                                       organization__parent_id=viewer.organization_id)


def hidden_patients(viewer: Viewer) -> QuerySet[User]:
    """Patients of the viewer's organization it may not see (for excluding rows that name them)."""
    if viewer.is_member and not viewer.has_permission("can_see_all_clients"):
        return User.objects.filter(organization_id=viewer.organization_id, is_patient=True).exclude(
            _own_patients(viewer.user_id))
    return User.objects.none()


def user_get(viewer: Viewer, user_id: object, *, field: str = "id") -> User:
    return get_visible(visible_users(viewer), user_id, "User", field=field)


def patient_get(viewer: Viewer, user_id: object, *, field: str = "id") -> User:
    return get_visible(visible_patients(viewer), user_id, "Patient", field=field)


def organization_providers(viewer: Viewer) -> QuerySet[User]:
    """Active providers and staff of the viewer's organization (patients' providers included)."""
    if not viewer.is_authenticated:
        return _none(User)
    return User.objects.filter(
        organization_id=viewer.organization_id, is_patient=False, membership__active=True
    )


def _keyword_filter(keywords: str) -> Q:
    """Every whitespace-separated term must match one of id, names, e-mail, dob, record id or NPI."""
    condition = Q()
    for term in keywords.split()[:10]:
        term = term[:100]
        term_q = (
            Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(legal_name__icontains=term)
            | Q(email__icontains=term)
            | Q(record_identifier__icontains=term)
            | Q(npi__iexact=term)
        )
        if pk := parse_id(term):  # "٥" is a name fragment, not user 5
            term_q |= Q(pk=pk)
        with contextlib.suppress(TimeFormatError):  # most terms are not dates
            term_q |= Q(dob=parse_date(term))
        condition &= term_q
    return condition


def patients_filter(
    viewer: Viewer,
    *,
    keywords: str | None = None,
    active_status: str | None = None,
    group_id: str | None = None,
    provider_id: str | None = None,
    limited_to_provider: bool | None = None,
    show_all_by_default: bool | None = True,
    conversation_id: object = None,
) -> QuerySet[User]:
    """The filter shared by ``users`` and ``usersCount`` (providers and staff only)."""
    viewer.require(MEMBER)
    reject_nul(keywords, "keywords")
    reject_nul(active_status, "active_status")
    qs = visible_patients(viewer)
    if conversation_id not in (None, ""):
        qs = _in_conversation(qs, conversation_id)
    if keywords and keywords.strip():
        qs = qs.filter(_keyword_filter(keywords))
    elif show_all_by_default is False:
        return qs.none()
    if active_status:
        status = active_status.strip().lower()
        if status == "active":
            qs = qs.filter(active=True)
        elif status in {"archived", "inactive"}:
            qs = qs.filter(active=False)
    if group_id:
        if str(group_id).strip().lower() in {"none", "0"}:
            qs = qs.filter(user_group__isnull=True)
        else:
            pk = parse_id(group_id)
            qs = qs.filter(user_group_id=pk) if pk else qs.none()
    if provider_id and not viewer.is_patient:
        provider_pk = parse_id(provider_id)
        provider = organization_providers(viewer).filter(pk=provider_pk).select_related("membership").first()
        if provider is None:
            return qs.none()
        sees_all = provider.membership.can_see_all_clients or provider.organization.owner_id == provider.pk
        if limited_to_provider or not sees_all:
            qs = qs.filter(_own_patients(provider.pk))
    elif limited_to_provider and viewer.is_member:
        qs = qs.filter(_own_patients(viewer.user_id))
    return qs


def _in_conversation(qs: QuerySet[User], conversation_id: object) -> QuerySet[User]:
    """Narrows to the members of a conversation. No conversation exists before the chat domain
    provides them, so the filter matches nobody: it must never be ignored (that would widen the
    result to everyone)."""
    return qs.none()


def members_filter(
    viewer: Viewer, *, keywords: str | None = None, licensed_in_state: str | None = None,
    conversation_id: object = None,
) -> QuerySet[User]:
    viewer.require(MEMBER)
    if conversation_id not in (None, ""):
        return _in_conversation(organization_providers(viewer), conversation_id)
    reject_nul(keywords, "keywords")
    reject_nul(licensed_in_state, "licensed_in_state")
    qs = organization_providers(viewer)
    if keywords and keywords.strip():
        qs = qs.filter(_keyword_filter(keywords))
    if licensed_in_state:
        qs = qs.filter(membership__licensed_states__icontains=f'"{licensed_in_state.strip().upper()[:2]}"')
    return qs


def organization_get(
    viewer: Viewer,
    *,
    organization_id: object = None,
    provider_id: object = None,
    provider_ids: list[object] | None = None,
    email: str | None = None,
    for_client: bool | None = None,
) -> Organization:
    """The organization the arguments name, if the viewer may see it (its own or a sub-organization)."""
    reject_nul(email, "email")
    if not viewer.is_authenticated:
        raise NotFound(message="Organization not found.")
    own = viewer.user.organization
    # Members also see their sub-organizations; a patient sees only the organization caring for them.
    scope = Q(pk=own.pk) if viewer.is_patient else Q(pk=own.pk) | Q(parent_id=own.pk)
    visible = Organization.objects.filter(scope)
    org: Organization | None
    if organization_id not in (None, ""):
        org = visible.filter(pk=parse_id(organization_id)).first() if parse_id(organization_id) else None
    elif provider_id not in (None, ""):
        provider = visible_users(viewer).filter(pk=parse_id(provider_id), is_patient=False).first() \
            if parse_id(provider_id) else None
        org = provider.organization if provider else None
    elif provider_ids:
        pks = [pk for pk in (parse_id(p) for p in provider_ids) if pk]
        provider = visible_users(viewer).filter(pk__in=pks, is_patient=False).first()
        org = provider.organization if provider else None
    elif email:
        user = visible_users(viewer).filter(email__iexact=email.strip()).first()
        org = user.organization if user else None
    else:
        org = own  # for_client, or no argument: the caller's own organization
    if org is None:
        raise NotFound(message="Organization not found.")
    return org


def memberships(viewer: Viewer) -> QuerySet[OrganizationMembership]:
    if not viewer.is_member:
        return OrganizationMembership.objects.none()
    return OrganizationMembership.objects.filter(organization_id=viewer.organization_id)


def membership_get(viewer: Viewer, membership_id: object, *, field: str = "id") -> OrganizationMembership:
    return get_visible(memberships(viewer).select_related("user"), membership_id, "Organization membership",
                       field=field)


def groups_filter(viewer: Viewer, *, keywords: str | None = None) -> QuerySet[UserGroup]:
    viewer.require(MEMBER)
    reject_nul(keywords, "keywords")
    qs = UserGroup.objects.filter(organization_id=viewer.organization_id)
    if keywords and keywords.strip():
        qs = qs.filter(name__icontains=keywords.strip()[:100])
    return qs


def group_get(viewer: Viewer, group_id: object, *, field: str = "id") -> UserGroup:
    return get_visible(groups_filter(viewer), group_id, "User group", field=field)


def tags_visible(viewer: Viewer, *, ids: list[object] | None = None) -> QuerySet[Tag]:
    """The organization's tags (providers' internal labels: members only); ``ids`` narrows them."""
    viewer.require(MEMBER)
    qs = Tag.objects.filter(organization_id=viewer.organization_id)
    if ids is not None:
        qs = qs.filter(pk__in=[pk for pk in (parse_id(i) for i in ids) if pk])
    return qs


def tag_get(viewer: Viewer, tag_id: object, *, field: str = "id") -> Tag:
    return get_visible(tags_visible(viewer), tag_id, "Tag", field=field)


def locations_visible(viewer: Viewer) -> QuerySet[Location]:
    """A patient sees their own addresses (not their providers'); a member their organization's,
    except those of patients hidden from them. Both are held to the viewer's organization."""
    if viewer.is_patient:
        return Location.objects.filter(user_id=viewer.user_id, organization_id=viewer.organization_id)
    if not viewer.is_member:
        return Location.objects.none()
    # A hidden patient's address is theirs: it is hidden with them.
    return Location.objects.filter(organization_id=viewer.organization_id).exclude(
        user_id__in=hidden_patients(viewer).values("pk"))


def location_get(viewer: Viewer, location_id: object, *, field: str = "id") -> Location:
    return get_visible(locations_visible(viewer), location_id, "Location", field=field)


def api_keys_visible(viewer: Viewer) -> QuerySet[ApiKey]:
    """A user's own live keys; the owner also sees the organization's, developers the patients'
    (the keys they may create, see ``api_key_create``)."""
    viewer.require()
    qs = ApiKey.objects.filter(revoked_at__isnull=True)
    if viewer.is_owner:
        return qs.filter(user__organization_id=viewer.organization_id)
    if viewer.has_permission("is_developer"):
        return qs.filter(Q(user_id=viewer.user_id) | Q(user__in=visible_patients(viewer).values("pk")))
    return qs.filter(user_id=viewer.user_id)




# ---- sort orders (``sort_by``) ----------------------------------------------------------

# Documented sort_by values of users and organizationMembers; group and provider sorts
# coalesce missing values so keyset cursors stay valid on them.
API_KEY_SORT = [SortKey("id", True)]
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
TAG_SORT = [SortKey("n", False, Lower("name"))]

# Users without a value sort after everyone else in both directions. Keyset cursors cannot
# hold NULL, so the missing value is replaced by a date beyond every real one: far future
# ascending, far past descending (registered dates must lie between these two).
_MISSING_LAST_ASC = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
_MISSING_LAST_DESC = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


def register_user_date_sort(name: str, expression: Callable[[], Expression]) -> None:
    """Adds ``<name>_asc`` and ``<name>_desc`` to the user sorts, ordering by a date that another
    domain computes per user (scheduling's next appointment), without accounts importing it.
    ``expression`` is called per request, so it may compare against the current time."""

    def order(descending: bool) -> Callable[[], list[SortKey]]:
        def build() -> list[SortKey]:
            sentinel = _MISSING_LAST_DESC if descending else _MISSING_LAST_ASC
            value = Coalesce(expression(), Value(sentinel), output_field=DateTimeField())
            return [SortKey(name, descending, value)]

        return build

    USER_SORTS[f"{name}_asc"] = order(descending=False)
    USER_SORTS[f"{name}_desc"] = order(descending=True)


def user_sort(sort_by: str | None, *, default: str) -> list[SortKey]:
    return sort_for(USER_SORTS, sort_by, default)


def group_sort(sort_by: str | None) -> list[SortKey]:
    return sort_for(GROUP_SORTS, sort_by, "name")
