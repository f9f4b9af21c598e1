"""GraphQL types of the accounts domain, named and spelled as the published API spells them.

``User`` also carries fields of other domains (scheduling's ``next_appt_date``, ...). A domain
declares them on a plain class of ``strawberry_django.field`` resolvers and passes it to
``register_user_fields``; ``compose_user_type`` (called once by ``schema.schema`` after every
domain is imported) adds them to ``UserType`` and only then makes it a Strawberry type. So
accounts imports no other domain, every module may import ``UserType`` at any time, and each
domain's fields keep their own optimizer hints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
import strawberry_django
from django.db.models import Count, Prefetch, QuerySet
from strawberry import auto
from strawberry.types.field import StrawberryField
from strawberry_django.optimizer import optimize

from apps.accounts import models, selectors
from apps.accounts.services import invitations
from apps.core.timefmt import format_datetime

# ---- related users: every type field returning a user reads through ``shown_users`` ----------
#
# A field that returns a user (an appointment's client, attendees and providers, a tag's author
# and tagged users, a care team, a primary provider, a membership's user) must never show a
# patient the viewer may not see. Each one prefetches through the viewer's
# ``selectors.shown_users`` into its own attribute (``_shown_<relation>``), which nothing else
# sets, so a relation loaded elsewhere without the scope (a service's select_related) is never
# returned as is; a row loaded outside the optimizer costs one scoped query instead.


def _shown_attr(relation: str) -> str:
    return f"_shown_{relation}"


def shown_prefetch(relation: str) -> Callable[[strawberry.Info], Prefetch]:
    """The optimizer hint of a user field over ``relation`` (a foreign key or many-to-many)."""

    def build(info: strawberry.Info) -> Prefetch:
        # optimize() with this field's own info applies the nested selection (only/select_related/
        # deeper prefetches) to the prefetch queryset, so nested fields cost no query per row.
        queryset = selectors.shown_users(info.context.viewer).order_by("id")
        return Prefetch(relation, queryset=optimize(queryset, info), to_attr=_shown_attr(relation))

    return build


def shown_user(root: object, relation: str, info: strawberry.Info) -> models.User | None:
    """The user behind the foreign key ``relation`` of ``root``, or None when the viewer may not see it."""
    attr = _shown_attr(relation)
    if hasattr(root, attr):
        return getattr(root, attr)
    pk = getattr(root, f"{relation}_id")
    return selectors.shown_users(info.context.viewer).filter(pk=pk).first() if pk else None


def shown_user_field(relation: str) -> Any:
    """A ``strawberry_django.field`` returning the user behind the foreign key ``relation``, for
    a field declared by annotation (it keeps its place among the type's fields)."""

    def resolve(root: Any, info: strawberry.Info) -> models.User | None:
        return shown_user(root, relation, info)

    return strawberry_django.field(resolver=resolve, only=[f"{relation}_id"],
                                   prefetch_related=[shown_prefetch(relation)])


def shown_users(root: object, relation: str, info: strawberry.Info) -> list[models.User]:
    """The users of the many-to-many ``relation`` of ``root`` the viewer may see, by id."""
    attr = _shown_attr(relation)
    if hasattr(root, attr):
        return list(getattr(root, attr))
    related = getattr(root, relation).values("pk")
    return list(selectors.shown_users(info.context.viewer).filter(pk__in=related).order_by("id"))



def _scoped_locations(info: strawberry.Info) -> Prefetch:
    # Addresses the viewer may see: a patient only their own (not their provider's), a member
    # their organization's. Built like ``_scoped_tagged_users`` so lists cost no query per row.
    queryset = selectors.locations_visible(info.context.viewer).order_by("id")
    return Prefetch("locations", queryset=optimize(queryset, info))


def _ordered_prefetch(name: str, queryset: QuerySet) -> Callable[[strawberry.Info], Prefetch]:
    """A prefetch of ``name`` in a fixed order, optimized for the field's nested selection."""

    def build(info: strawberry.Info) -> Prefetch:
        return Prefetch(name, queryset=optimize(queryset, info))

    return build


@strawberry_django.type(models.Location, name="Location")
class LocationType:
    id: strawberry.ID
    name: auto
    line1: auto
    line2: auto
    city: auto
    state: auto
    zip: auto
    country: auto
    npi: auto
    phone_number: auto

    @strawberry_django.field(only=["user_id"])
    def user_id(self, root: models.Location) -> strawberry.ID | None:
        return strawberry.ID(str(root.user_id)) if root.user_id else None


@strawberry_django.type(models.Organization, name="Organization")
class OrganizationType:
    id: strawberry.ID
    name: auto
    phone_number: auto
    tax_id: auto
    tax_id_type: auto
    npi: auto
    location: LocationType | None
    parent_id: strawberry.ID | None = strawberry_django.field(field_name="parent_id")

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.Organization) -> str:
        return format_datetime(root.created_at)

    @strawberry_django.field(only=["owner_id"])
    def owner_id(self, root: models.Organization) -> strawberry.ID | None:
        return strawberry.ID(str(root.owner_id)) if root.owner_id else None

    @strawberry_django.field(prefetch_related=[_ordered_prefetch("sub_organizations",
                                                                 models.Organization.objects.order_by("id"))])
    def sub_organizations(self, root: models.Organization, info: strawberry.Info) -> list[OrganizationType]:
        # Members see their sub-organizations (organization_get allows them); patients do not.
        if not info.context.viewer.is_member:
            return []
        return list(root.sub_organizations.all())


@strawberry_django.type(models.UserGroup, name="UserGroup")
class UserGroupType:
    id: strawberry.ID
    name: auto
    invite_code: auto

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        """Pass as ``after`` to get the items that follow this one (set by paginated lists)."""
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["onboarding_flow_id"])
    def onboarding_flow_id(self, root: models.UserGroup) -> strawberry.ID | None:
        return strawberry.ID(str(root.onboarding_flow_id)) if root.onboarding_flow_id else None

    @strawberry_django.field(annotate={"_users_count": Count("users")})
    def users_count(self, root: models.UserGroup) -> int:
        return getattr(root, "_users_count", None) if hasattr(root, "_users_count") else root.users.count()

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.UserGroup) -> str:
        return format_datetime(root.created_at)


@strawberry_django.type(models.Tag, name="Tag")
class TagType:
    id: strawberry.ID
    name: auto

    @strawberry_django.field(only=["user_id"], prefetch_related=[shown_prefetch("user")])
    def user(self, root: models.Tag, info: strawberry.Info) -> UserType | None:
        return shown_user(root, "user", info)

    @strawberry_django.field(prefetch_related=[shown_prefetch("tagged_users")])
    def tagged_users(self, root: models.Tag, info: strawberry.Info) -> list[UserType]:
        """Only users the viewer may read: a tag must not reveal patients of a restricted member
        or (for a patient) anyone else."""
        return shown_users(root, "tagged_users", info)


# Made a Strawberry type by ``compose_user_type`` once the other domains' fields are added.
class UserType:

    id: strawberry.ID
    first_name: auto
    last_name: auto
    legal_name: auto
    email: auto
    phone_number: auto
    gender: auto
    timezone: auto
    active: auto
    is_patient: auto
    record_identifier: auto
    npi: auto
    skipped_email: auto
    organization: OrganizationType
    user_group: UserGroupType | None

    @strawberry_django.field(only=["dietitian_id"], prefetch_related=[shown_prefetch("dietitian")])
    def dietitian(self, root: models.User, info: strawberry.Info) -> UserType | None:
        return shown_user(root, "dietitian", info)

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        """Pass as ``after`` to get the items that follow this one (set by paginated lists)."""
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["dob"])
    def dob(self, root: models.User) -> str | None:
        return root.dob.isoformat() if root.dob else None

    @strawberry_django.field(only=["first_name", "last_name"])
    def full_name(self, root: models.User) -> str:
        return root.full_name

    @strawberry_django.field(only=["first_name", "last_name"])
    def name(self, root: models.User) -> str:
        return root.full_name

    @strawberry_django.field(only=["id"])
    def doc_share_id(self, root: models.User) -> str:
        return root.doc_share_id

    @strawberry_django.field(only=["dietitian_id"])
    def dietitian_id(self, root: models.User) -> strawberry.ID | None:
        return strawberry.ID(str(root.dietitian_id)) if root.dietitian_id else None

    @strawberry_django.field(only=["user_group_id"])
    def user_group_id(self, root: models.User) -> strawberry.ID | None:
        return strawberry.ID(str(root.user_group_id)) if root.user_group_id else None

    @strawberry_django.field(only=["organization_id", "is_patient", "organization__owner_id"],
                             select_related=["organization"])
    def is_owner(self, root: models.User) -> bool:
        return not root.is_patient and root.organization.owner_id == root.pk

    @strawberry_django.field(prefetch_related=[_scoped_locations])
    def locations(self, root: models.User, info: strawberry.Info) -> list[LocationType]:
        if "locations" in getattr(root, "_prefetched_objects_cache", {}):
            return list(root.locations.all())  # prefetched through the viewer's scope above
        return list(selectors.locations_visible(info.context.viewer).filter(user_id=root.pk).order_by("id"))

    @strawberry_django.field(prefetch_related=[_ordered_prefetch("tags", models.Tag.objects.order_by("id"))])
    def tags(self, root: models.User, info: strawberry.Info) -> list[TagType]:
        # Tags are the providers' internal labels (the tags query is provider-only): patients see none.
        if not info.context.viewer.is_member:
            return []
        return list(root.tags.all())

    @strawberry_django.field(prefetch_related=[shown_prefetch("care_team")])
    def care_team(self, root: models.User, info: strawberry.Info) -> list[UserType]:
        return shown_users(root, "care_team", info)

    @strawberry_django.field(only=["is_patient", "membership__has_api_access"], select_related=["membership"])
    def has_api_access(self, root: models.User) -> bool:
        membership = getattr(root, "membership", None) if not root.is_patient else None
        return bool(membership and membership.has_api_access)

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.User) -> str:
        return format_datetime(root.created_at)

    @strawberry_django.field(only=["updated_at"])
    def updated_at(self, root: models.User) -> str:
        return format_datetime(root.updated_at)

    @strawberry_django.field(description="No avatar storage exists yet, so this is always null.")
    def avatar_url(self, root: models.User) -> str | None:
        return None

    @strawberry_django.field(
        only=["is_patient"],
        description="The patient's invitation link, in the payload of the mutation that issued the invitation "
                    "(createClient, updateClient with resend_welcome), for providers and staff only. Only a hash "
                    "of the code is stored, so everywhere else (later reads) this is null.",
    )
    def set_password_link(self, root: models.User, info: strawberry.Info) -> str | None:
        """Only providers and staff see a patient's invitation link (never the patient or others)."""
        viewer = info.context.viewer
        code = getattr(root, "issued_signup_token", None)
        if not root.is_patient or not code or not viewer.is_member:
            return None
        return invitations.set_password_link(code)


@strawberry_django.type(models.OrganizationMembership, name="OrganizationMembership")
class OrganizationMembershipType:
    id: strawberry.ID
    org_role: auto
    title: auto
    active: auto
    qualifications: auto
    can_add_members: auto
    can_edit_members: auto
    is_developer: auto
    can_see_calendar: auto
    can_edit_forms: auto
    can_see_all_clients: auto
    has_api_access: auto
    # Billing: may invoice, charge and write off patients' balances.
    can_charge_clients: auto
    # Chat: a care-team provider with this set gets a two-person conversation with the patient.
    auto_create_convo_for_care_team: auto
    user: UserType = shown_user_field("user")
    organization: OrganizationType

    @strawberry_django.field(only=["licensed_states"])
    def licensed_states(self, root: models.OrganizationMembership) -> list[str]:
        return list(root.licensed_states or [])


@strawberry_django.type(models.ApiKey, name="ApiKey")
class ApiKeyType:
    id: strawberry.ID
    name: auto
    displayable_key: auto

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        """Pass as ``after`` to get the items that follow this one (set by paginated lists)."""
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.ApiKey) -> str:
        return format_datetime(root.created_at)

    @strawberry_django.field(only=["last_used_at"])
    def last_used_at(self, root: models.ApiKey) -> str | None:
        return format_datetime(root.last_used_at)

    @strawberry_django.field(only=["user_id"])
    def user_id(self, root: models.ApiKey) -> strawberry.ID:
        return strawberry.ID(str(root.user_id))


_user_field_parts: list[type] = []
_composed = False


def register_user_fields(part: type) -> None:
    """Adds the ``strawberry_django.field`` resolvers declared on ``part`` to ``User``.

    Their annotations resolve in the module that declares them (use ``strawberry.lazy`` for
    types that would import back into accounts). Call it when the domain's schema module is
    imported, before the schema is built.
    """
    if _composed:
        raise RuntimeError("register_user_fields was called after the schema was built")
    if part not in _user_field_parts:
        _user_field_parts.append(part)


def compose_user_type() -> type:
    """Makes ``UserType`` the ``User`` type: the accounts fields, then each registered part's."""
    global _composed
    if not _composed:
        for part in _user_field_parts:
            for name, value in vars(part).items():
                if isinstance(value, StrawberryField):
                    if name in vars(UserType):
                        raise RuntimeError(f"User.{name} is declared twice")
                    setattr(UserType, name, value)
        strawberry_django.type(models.User, name="User")(UserType)
        _composed = True
    return UserType
