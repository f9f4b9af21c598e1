"""Organization memberships: adding, updating and removing providers and staff."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from apps.accounts import mail
from apps.accounts.inputs import MemberChanges, NewMember
from apps.accounts.models import Organization, OrganizationMembership, User
from apps.accounts.selectors import membership_get, memberships, parse_id
from apps.accounts.services.common import apply_changes
from apps.accounts.services.invitations import invitation_issue
from apps.accounts.validation import check_password, check_timezone, clean_email, clean_text
from apps.accounts.viewer import OWNER, Viewer
from apps.core.errors import Collector, Forbidden, NotFound, ValidationFailed
from apps.core.inputs import sent

ROLES = {"standard": OrganizationMembership.STANDARD, "support": OrganizationMembership.SUPPORT}
MEMBER_FIELDS = ("first_name", "last_name", "phone_number")


def _role(errors: Collector, value: str | None) -> str | None:
    if value in (None, ""):
        return None
    role = ROLES.get(value.strip().lower())
    if role is None:
        errors.add("org_role", 'must be "Standard" or "Support"')
    return role


def _target_organization(viewer: Viewer, organization_id: object) -> Organization:
    own = viewer.user.organization
    if organization_id in (None, "") or parse_id(organization_id) == own.pk:
        return own
    org = Organization.objects.filter(pk=parse_id(organization_id), parent_id=own.pk).first() \
        if parse_id(organization_id) else None
    if org is None:
        raise NotFound("organization_id", "Organization not found.")
    return org


@transaction.atomic
def membership_create(viewer: Viewer, member: NewMember) -> OrganizationMembership:
    """Owners and members with ``can_add_members`` add a provider or staff member."""
    viewer.require("can_add_members",
                   message="You need the can_add_members permission to add organization members.")
    errors = Collector()
    organization = _target_organization(viewer, member.organization_id)
    first = clean_text(errors, "first_name", member.first_name, required=True)
    last = clean_text(errors, "last_name", member.last_name, required=True)
    email = clean_email(errors, member.email, required=True)
    title = clean_text(errors, "title", member.title) or ""
    phone = clean_text(errors, "phone_number", member.phone_number) or ""
    timezone = check_timezone(errors, member.timezone) or ""
    role = _role(errors, member.org_role) or OrganizationMembership.STANDARD
    password = member.password
    check_password(errors, password, user_inputs=[member.email, first, last])
    if email and User.objects.filter(organization=organization, is_patient=False, email__iexact=email).exists():
        errors.add("email", "A member with this e-mail already exists in this organization")
    errors.raise_if_any()
    user = User(
        organization=organization, is_patient=False, email=email, first_name=first, last_name=last,
        phone_number=phone, timezone=timezone,
    )
    if password:
        user.password = make_password(password)
    else:
        user.set_unusable_password()
    welcome = member.send_invite_email or (not member.dont_send_welcome and not password)
    if welcome:
        invitation_issue(user)
    user.save()
    membership = OrganizationMembership.objects.create(
        organization=organization, user=user, org_role=role, title=title
    )
    if welcome:
        mail.welcome(user, user.issued_signup_token)
    return membership


@transaction.atomic
def membership_update(viewer: Viewer, changes: MemberChanges) -> OrganizationMembership:
    """Owners and members with ``can_edit_members`` change a membership and its permissions.

    The membership is named by ``id``, or (as in the documented example, which sends no id)
    by the member's ``email``.
    """
    viewer.require("can_edit_members",
                   message="You need the can_edit_members permission to edit organization members.")
    membership_id, email_given = sent(changes.id), sent(changes.email)
    if membership_id not in (None, ""):
        membership = membership_get(viewer, membership_id)
    elif email_given:
        lookup = Collector()
        address = clean_email(lookup, email_given)
        lookup.raise_if_any()
        membership = memberships(viewer).select_related("user").filter(user__email__iexact=address).first()
        if membership is None:
            raise NotFound("email", "Organization membership not found.")
    else:
        raise ValidationFailed("id", "id is required")
    if membership.user_id == membership.organization.owner_id and not viewer.is_owner:
        # can_edit_members reaches the account itself (password, e-mail): the owner's is the owner's alone.
        raise Forbidden("Only the owner can change the owner's membership.")
    errors = Collector()
    user = membership.user
    password = sent(changes.password)
    user_values: dict[str, Any] = {}
    for name in MEMBER_FIELDS:
        value = sent(getattr(changes, name))
        if value is not None:
            value = clean_text(errors, name, value, required=name != "phone_number")
            if value is not None:
                user_values[name] = value
    if email_given is not None and membership_id not in (None, ""):
        email = clean_email(errors, email_given, required=True)
        taken = email and User.objects.filter(
            organization_id=membership.organization_id, is_patient=False, email__iexact=email
        ).exclude(pk=membership.user_id).exists()
        if taken:
            errors.add("email", "A member with this e-mail already exists in this organization")
        elif email:
            user_values["email"] = email
    if sent(changes.timezone) is not None:
        tz = check_timezone(errors, changes.timezone)
        if tz is not None:
            user_values["timezone"] = tz
    role = _role(errors, sent(changes.org_role))
    if password:
        check_password(errors, password, user_inputs=[user.email, user.first_name, user.last_name])
    membership_values: dict[str, Any] = {}
    if role:
        membership_values["org_role"] = role
    for name in ("title", "qualifications"):
        value = sent(getattr(changes, name))
        if value is not None:
            value = clean_text(errors, name, value)
            if value is not None:
                membership_values[name] = value
    for flag in (*OrganizationMembership.PERMISSION_FLAGS, "active", "auto_create_convo_for_care_team"):
        value = sent(getattr(changes, flag))
        if value is not None:
            membership_values[flag] = bool(value)
    if sent(changes.active) is False and membership.user_id == membership.organization.owner_id:
        errors.add("active", "The organization owner cannot be deactivated")
    errors.raise_if_any()
    if apply_changes(user, user_values, (*MEMBER_FIELDS, "email", "timezone")) or password:
        if password:
            user.password = make_password(password)
        user.save()
    if apply_changes(membership, membership_values, ("org_role", "title", "qualifications", "active",
                                                      "auto_create_convo_for_care_team",
                                                      *OrganizationMembership.PERMISSION_FLAGS)):
        membership.save()
    if "active" in membership_values and user.active != membership.active:
        user.active = membership.active
        user.save(update_fields=["active", "updated_at"])
    return membership


@transaction.atomic
def membership_delete(viewer: Viewer, *, membership_id: object) -> OrganizationMembership:
    """Only the owner removes members. The account is archived, never deleted."""
    viewer.require(OWNER, message="Only the organization owner can remove members.")
    membership = membership_get(viewer, membership_id)
    if membership.user_id == viewer.user_id:
        raise ValidationFailed("id", "The owner cannot remove their own membership")
    membership.active = False
    membership.save(update_fields=["active", "updated_at"])
    User.objects.filter(pk=membership.user_id).update(active=False)
    return membership
