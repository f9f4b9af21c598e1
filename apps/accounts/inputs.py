"""Typed inputs of the account services.

Fields left ``UNSET`` were not sent (leave the value alone); ``None`` was sent as null.
Resolvers build these from their GraphQL inputs (``schema/accounts/inputs.py``); Python
callers (the demo seed, other apps) build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.core.inputs import UNSET, Unset


@dataclass(frozen=True)
class SignUp:
    """``signUp``: a patient joining through a provider id or an invite code."""

    first_name: str | None | Unset = UNSET
    last_name: str | None | Unset = UNSET
    legal_name: str | None | Unset = UNSET
    email: str | None | Unset = UNSET
    password: str | None | Unset = UNSET
    phone_number: str | None | Unset = UNSET
    invite_code: str | None | Unset = UNSET
    role: str | None | Unset = UNSET
    provider_type: str | None | Unset = UNSET
    dietitian_id: object = UNSET
    timezone: str | None | Unset = UNSET


@dataclass(frozen=True)
class NewClient:
    """``createClient``: a patient added by a provider or staff member."""

    first_name: str | None | Unset = UNSET
    last_name: str | None | Unset = UNSET
    legal_name: str | None | Unset = UNSET
    email: str | None | Unset = UNSET
    skipped_email: bool | None | Unset = UNSET
    phone_number: str | None | Unset = UNSET
    dietitian_id: object = UNSET
    user_group_id: object = UNSET
    dont_send_welcome: bool | None | Unset = UNSET
    timezone: str | None | Unset = UNSET
    dob: str | None | Unset = UNSET
    gender: str | None | Unset = UNSET
    record_identifier: str | None | Unset = UNSET


@dataclass(frozen=True)
class ProfileChanges:
    """``updateUser``: what a user (or a member, for a patient) changes on a profile."""

    first_name: str | None | Unset = UNSET
    last_name: str | None | Unset = UNSET
    legal_name: str | None | Unset = UNSET
    email: str | None | Unset = UNSET
    phone_number: str | None | Unset = UNSET
    dob: str | None | Unset = UNSET
    gender: str | None | Unset = UNSET
    timezone: str | None | Unset = UNSET
    record_identifier: str | None | Unset = UNSET
    password: str | None | Unset = UNSET


@dataclass(frozen=True)
class CreditChange:
    """One entry of ``appointment_type_credits_attributes`` (applied by a client-update hook)."""

    id: object = None
    appointment_type_id: object = None
    total_credits: int | None = None
    destroy: bool | None = None


@dataclass(frozen=True)
class ClientChanges(ProfileChanges):
    """``updateClient``: profile changes plus what only providers and staff change."""

    dietitian_id: object = UNSET
    user_group_id: object = UNSET
    for_changing_groups: bool | None | Unset = UNSET
    active: bool | None | Unset = UNSET
    resend_welcome: bool | None | Unset = UNSET
    send_form_request_reminder: bool | None | Unset = UNSET
    is_intake_item: bool | None | Unset = UNSET
    requested_form_completion_id: object = UNSET
    appointment_type_credits_attributes: tuple[CreditChange, ...] | None | Unset = UNSET


@dataclass(frozen=True)
class NewMember:
    """``createOrganizationMembership``."""

    organization_id: object = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    password: str | None = None
    title: str | None = None
    org_role: str | None = None
    send_invite_email: bool | None = None
    phone_number: str | None = None
    dont_send_welcome: bool | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class MemberChanges:
    """``updateOrganizationMembership``: the membership is named by ``id``, or by ``email``."""

    id: object = UNSET
    organization_id: object = UNSET
    first_name: str | None | Unset = UNSET
    last_name: str | None | Unset = UNSET
    email: str | None | Unset = UNSET
    password: str | None | Unset = UNSET
    title: str | None | Unset = UNSET
    org_role: str | None | Unset = UNSET
    send_invite_email: bool | None | Unset = UNSET
    phone_number: str | None | Unset = UNSET
    dont_send_welcome: bool | None | Unset = UNSET
    timezone: str | None | Unset = UNSET
    active: bool | None | Unset = UNSET
    qualifications: str | None | Unset = UNSET
    can_add_members: bool | None | Unset = UNSET
    can_edit_members: bool | None | Unset = UNSET
    is_developer: bool | None | Unset = UNSET
    can_see_calendar: bool | None | Unset = UNSET
    can_edit_forms: bool | None | Unset = UNSET
    can_see_all_clients: bool | None | Unset = UNSET
    has_api_access: bool | None | Unset = UNSET
    can_charge_clients: bool | None | Unset = UNSET
    auto_create_convo_for_care_team: bool | None | Unset = UNSET


@dataclass(frozen=True)
class Address:
    """``createLocation`` / ``updateLocation``; ``None`` and ``UNSET`` both leave a field alone."""

    name: str | None | Unset = UNSET
    line1: str | None | Unset = UNSET
    line2: str | None | Unset = UNSET
    city: str | None | Unset = UNSET
    state: str | None | Unset = UNSET
    zip: str | None | Unset = UNSET
    country: str | None | Unset = UNSET
    npi: str | None | Unset = UNSET
    phone_number: str | None | Unset = UNSET
