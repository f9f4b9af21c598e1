"""User groups and their patients."""

from __future__ import annotations

from django.db import transaction

from apps.accounts.models import User, UserGroup
from apps.accounts.selectors import group_get
from apps.accounts.validation import clean_text
from apps.accounts.viewer import Viewer
from apps.core.errors import Collector, Forbidden, NotFound, ValidationFailed
from apps.events.bus import emit


def _require_member(viewer: Viewer) -> None:
    if not viewer.is_member:
        raise Forbidden("Only providers and staff members can manage groups.")


def _onboarding_flow(value: object) -> None:
    # Onboarding flows arrive with the forms domain; until then no id can name one.
    if value not in (None, ""):
        raise ValidationFailed("onboarding_flow_id", "Onboarding flow not found")


@transaction.atomic
def group_create(viewer: Viewer, *, name: str | None) -> UserGroup:
    _require_member(viewer)
    errors = Collector()
    cleaned = clean_text(errors, "name", name, required=True)
    errors.raise_if_any()
    return UserGroup.objects.create(organization_id=viewer.organization_id, name=cleaned)


@transaction.atomic
def group_update(viewer: Viewer, *, group_id: object, name: str | None, onboarding_flow_id: object) -> UserGroup:
    _require_member(viewer)
    group = group_get(viewer, group_id)
    errors = Collector()
    cleaned = clean_text(errors, "name", name, required=True) if name is not None else None
    errors.raise_if_any()
    _onboarding_flow(onboarding_flow_id)
    if cleaned is not None and cleaned != group.name:
        group.name = cleaned
        group.save(update_fields=["name", "updated_at"])
    return group


@transaction.atomic
def group_delete(viewer: Viewer, *, group_id: object, group_to_receive_clients: object) -> UserGroup:
    """Deletes the group; its patients move to ``group_to_receive_clients`` or to no group."""
    _require_member(viewer)
    group = group_get(viewer, group_id)
    receiver = None
    if group_to_receive_clients not in (None, ""):
        try:
            receiver = group_get(viewer, group_to_receive_clients)
        except NotFound as error:
            raise ValidationFailed("group_to_receive_clients", "User group not found") from error
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
