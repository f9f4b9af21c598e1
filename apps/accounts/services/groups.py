"""User groups and their patients."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from apps.accounts.models import User, UserGroup
from apps.accounts.selectors import group_get
from apps.accounts.validation import clean_text
from apps.accounts.viewer import MEMBER, Viewer
from apps.core.errors import Collector, NotFound, ValidationFailed
from apps.events.bus import emit

_MEMBERS_ONLY = "Only providers and staff members can manage groups."


# Onboarding flows live in the forms domain, which registers how to find one (accounts must not
# import forms): ``lookup(organization_id, raw_id)`` -> the flow's id, or None when there is none.
_flow_lookup: Callable[[int, object], int | None] | None = None


def register_onboarding_flow_lookup(lookup: Callable[[int, object], int | None]) -> None:
    global _flow_lookup
    _flow_lookup = lookup


def _onboarding_flow(viewer: Viewer, value: object) -> int | None:
    found = _flow_lookup(viewer.organization_id, value) if _flow_lookup is not None else None
    if found is None:
        raise NotFound("onboarding_flow_id", "Onboarding flow not found.")
    return found


@transaction.atomic
def group_create(viewer: Viewer, *, name: str | None) -> UserGroup:
    viewer.require(MEMBER, message=_MEMBERS_ONLY)
    errors = Collector()
    cleaned = clean_text(errors, "name", name, required=True)
    errors.raise_if_any()
    return UserGroup.objects.create(organization_id=viewer.organization_id, name=cleaned)


@transaction.atomic
def group_update(viewer: Viewer, *, group_id: object, name: str | None = None,
                 onboarding_flow_id: object = None) -> UserGroup:
    viewer.require(MEMBER, message=_MEMBERS_ONLY)
    group = group_get(viewer, group_id)
    errors = Collector()
    cleaned = clean_text(errors, "name", name, required=True) if name is not None else None
    errors.raise_if_any()
    changed = []
    if onboarding_flow_id not in (None, ""):
        group.onboarding_flow_id = _onboarding_flow(viewer, onboarding_flow_id)
        changed.append("onboarding_flow_id")
    if cleaned is not None and cleaned != group.name:
        group.name = cleaned
        changed.append("name")
    if changed:
        group.save(update_fields=[*changed, "updated_at"])
    return group


@transaction.atomic
def group_delete(viewer: Viewer, *, group_id: object, group_to_receive_clients: object = None) -> UserGroup:
    """Deletes the group; its patients move to ``group_to_receive_clients`` or to no group."""
    viewer.require(MEMBER, message=_MEMBERS_ONLY)
    group = group_get(viewer, group_id)
    receiver = None
    if group_to_receive_clients not in (None, ""):
        receiver = group_get(viewer, group_to_receive_clients, field="group_to_receive_clients")
        if receiver.pk == group.pk:
            raise ValidationFailed("group_to_receive_clients", "cannot be the group being deleted")
    members = list(User.objects.filter(user_group=group).select_for_update().only("id", "organization_id"))
    User.objects.filter(pk__in=[m.pk for m in members]).update(user_group=receiver)
    for member in members:
        emit("patient.updated", member, organization_id=member.organization_id, actor_id=viewer.user_id,
             changed_fields=["user_group_id"])
    deleted_id = group.pk
    group.delete()
    group.pk = deleted_id  # the payload still names the deleted group
    return group
