"""Writes on patient accounts: create, update (by staff, by themselves, in bulk), sign up."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from apps.accounts import mail
from apps.accounts.inputs import ClientChanges, NewClient, ProfileChanges, SignUp
from apps.accounts.models import Organization, User, UserGroup
from apps.accounts.selectors import (
    group_get,
    organization_providers,
    parse_id,
    patient_get,
    visible_patients,
)
from apps.accounts.services.common import apply_changes
from apps.accounts.services.invitations import invitation_issue
from apps.accounts.validation import check_password, check_timezone, clean_email, clean_text
from apps.accounts.viewer import MEMBER, Viewer
from apps.core.errors import Collector, ErrorCode, NotFound, ValidationFailed
from apps.core.inputs import given, sent
from apps.core.timefmt import TimeFormatError, parse_date
from apps.events.bus import emit

PROFILE_FIELDS = ("first_name", "last_name", "legal_name", "phone_number", "record_identifier", "gender")
DUPLICATE_MESSAGE = "A patient with this e-mail, first and last name already exists in this organization"

# Other apps handle their own updateClient inputs (e.g. scheduling's appointment type
# credits) without this module importing them: a hook runs inside the update's
# transaction, may raise ValidationFailed or NotFound, and returns the field names it changed.
ClientUpdateHook = Callable[[Viewer, User, ClientChanges], list[str]]
_client_update_hooks: list[ClientUpdateHook] = []


def register_client_update_hook(hook: ClientUpdateHook) -> None:
    if hook not in _client_update_hooks:
        _client_update_hooks.append(hook)


def _duplicate_exists(organization_id: int, email: str, first: str, last: str, exclude: int | None = None) -> bool:
    if not email:
        return False
    qs = _same_person(organization_id, email, first, last)
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


def _clean_profile(errors: Collector, values: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """Validated profile values among those given (all of them when creating)."""
    cleaned: dict[str, Any] = {}
    for name in PROFILE_FIELDS:
        if name in values:
            required = name in ("first_name", "last_name") and (creating or values[name] is not None)
            value = clean_text(errors, name, values[name], required=required)
            if value is not None:
                cleaned[name] = value
        elif creating and name in ("first_name", "last_name"):
            clean_text(errors, name, None, required=True)
    if "email" in values and values["email"] is not None:
        email = clean_email(errors, values["email"])
        if email is not None:
            cleaned["email"] = email
    if "timezone" in values:
        tz = check_timezone(errors, values["timezone"])
        if tz is not None:
            cleaned["timezone"] = tz
    if "dob" in values and values["dob"] is not None:
        if values["dob"] == "":
            cleaned["dob"] = None
        else:
            try:
                cleaned["dob"] = parse_date(values["dob"])
            except TimeFormatError as error:
                errors.add("dob", str(error))
    return cleaned


def _provider_for(viewer: Viewer, errors: Collector, dietitian_id: object) -> User | None:
    if dietitian_id in (None, ""):
        return viewer.user if viewer.is_member else None
    pk = parse_id(dietitian_id)
    provider = organization_providers(viewer).filter(pk=pk).first() if pk else None
    if provider is None:
        errors.add("dietitian_id", "Provider not found.", ErrorCode.NOT_FOUND)
    return provider


def _group_for(viewer: Viewer, errors: Collector, group_id: object) -> UserGroup | None:
    if group_id in (None, ""):
        return None
    try:
        return group_get(viewer, group_id, field="user_group_id")
    except NotFound as error:
        errors.messages.append(error.as_message())
        return None


@transaction.atomic
def client_create(viewer: Viewer, client: NewClient) -> User:
    """``createClient``: a provider or staff member adds a patient to their organization."""
    viewer.require(MEMBER)
    values = given(client)
    errors = Collector()
    cleaned = _clean_profile(errors, values, creating=True)
    skipped_email = bool(values.get("skipped_email"))
    if not skipped_email and not cleaned.get("email") and not errors.has("email"):
        errors.add("email", "Email can't be blank (or set skipped_email)")
    provider = _provider_for(viewer, errors, values.get("dietitian_id"))
    group = _group_for(viewer, errors, values.get("user_group_id"))
    errors.raise_if_any()
    email = "" if skipped_email and not cleaned.get("email") else cleaned.get("email", "")
    if _duplicate_exists(viewer.organization_id, email, cleaned["first_name"], cleaned["last_name"]):
        raise ValidationFailed("email", DUPLICATE_MESSAGE)
    user = _insert_patient(viewer.organization_id, provider, group, email, cleaned, skipped_email=skipped_email)
    if user is None:  # a concurrent create won the uniqueness race
        raise ValidationFailed("email", DUPLICATE_MESSAGE)
    emit("patient.created", user, organization_id=user.organization_id, actor_id=viewer.user_id)
    if not values.get("dont_send_welcome") and user.email:
        mail.welcome(user, user.issued_signup_token)
    return user


def _insert_patient(organization_id: int, provider: User | None, group: UserGroup | None, email: str,
                    cleaned: Mapping[str, Any], *, skipped_email: bool = False) -> User | None:
    """A new invited patient (no password yet); ``None`` when the uniqueness constraint refused it."""
    user = User(
        organization_id=organization_id,
        is_patient=True,
        dietitian=provider,
        user_group=group,
        email=email,
        skipped_email=skipped_email,
        **{k: v for k, v in cleaned.items() if k != "email"},
    )
    user.set_unusable_password()
    invitation_issue(user)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        return None
    return user


def _same_person(organization_id: int, email: str, first: str, last: str):
    return User.objects.annotate(le=Lower("email"), lf=Lower("first_name"), ll=Lower("last_name")).filter(
        organization_id=organization_id, is_patient=True, le=email.lower(), lf=first.lower(), ll=last.lower()
    )


@transaction.atomic
def client_find_or_create(*, provider: User, first_name: str | None, last_name: str | None, email: str | None,
                          phone_number: str | None = None, timezone: str | None = None) -> User:
    """The patient of ``provider``'s organization with this e-mail and name, or a new one.

    For callers without an account (self-scheduling checkout): the documented uniqueness rule
    (organization, e-mail, first and last name) names the person, so booking twice under the
    same name and address reuses the record. A new patient is created like ``createClient``
    creates one: the same checks, ``provider`` as their provider, a welcome e-mail and a
    ``patient.created`` event (with no actor: nobody signed in).
    """
    errors = Collector()
    cleaned = _clean_profile(errors, {"first_name": first_name, "last_name": last_name, "email": email,
                                      "phone_number": phone_number, "timezone": timezone}, creating=True)
    if not cleaned.get("email") and not errors.has("email"):
        errors.add("email", "Email can't be blank")
    errors.raise_if_any()
    match = _same_person(provider.organization_id, cleaned["email"], cleaned["first_name"], cleaned["last_name"])
    existing = match.first()
    if existing is not None:
        return existing
    user = _insert_patient(provider.organization_id, provider, None, cleaned["email"], cleaned)
    if user is None:
        # A concurrent booking created the same person first; that record is theirs.
        return match.get()
    emit("patient.created", user, organization_id=user.organization_id, actor_id=None)
    mail.welcome(user, user.issued_signup_token)
    return user


def _apply_patient_changes(viewer: Viewer, user: User, values: Mapping[str, Any], errors: Collector) -> list[str]:
    cleaned = _clean_profile(errors, values, creating=False)
    changed_extra: list[str] = []
    if "dietitian_id" in values and values["dietitian_id"] not in (None, "") and not viewer.is_patient:
        provider = _provider_for(viewer, errors, values["dietitian_id"])
        if provider is not None and provider.pk != user.dietitian_id:
            user.dietitian = provider
            changed_extra.append("dietitian_id")
    if values.get("for_changing_groups") or ("user_group_id" in values and values["user_group_id"] is not None):
        if viewer.is_patient:
            errors.add("user_group_id", "Patients cannot change their group")
        else:
            group = None if values.get("for_changing_groups") else _group_for(viewer, errors, values["user_group_id"])
            if (group.pk if group else None) != user.user_group_id:
                user.user_group = group
                changed_extra.append("user_group_id")
    if "active" in values and values["active"] is not None:
        if viewer.is_patient:
            errors.add("active", "Patients cannot archive their account")
        elif values["active"] != user.active:
            user.active = values["active"]
            changed_extra.append("active")
    if values.get("password"):
        check_password(errors, values["password"], user_inputs=[user.email, user.first_name, user.last_name])
    errors.raise_if_any()
    changed = apply_changes(user, cleaned, (*PROFILE_FIELDS, "email", "timezone", "dob")) + changed_extra
    if values.get("password"):
        user.password = make_password(values["password"])
        changed.append("password")
    if {"email", "first_name", "last_name"} & set(changed) and _duplicate_exists(
        user.organization_id, user.email, user.first_name, user.last_name, exclude=user.pk
    ):
        raise ValidationFailed("email", DUPLICATE_MESSAGE)
    return changed


def _save_patient(viewer: Viewer, user: User, changed: list[str]) -> User:
    if not changed:
        return user
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise ValidationFailed("email", DUPLICATE_MESSAGE) from error
    if user.is_patient:
        # The password is a changed field for the record, but never named to receivers.
        emit("patient.updated", user, organization_id=user.organization_id, actor_id=viewer.user_id,
             changed_fields=[f for f in changed if f != "password"] or ["password"])
    return user


@transaction.atomic
def client_update(viewer: Viewer, *, user_id: object, changes: ClientChanges) -> User:
    """``updateClient``. E-mail and reminder inputs take precedence over demographic changes:
    when one is given, only the e-mail is sent and nothing else on the record changes."""
    viewer.require(MEMBER)
    if user_id in (None, ""):
        raise ValidationFailed("id", "id is required")
    user = patient_get(viewer, user_id)
    if changes.resend_welcome:
        if not user.email:
            raise ValidationFailed("resend_welcome", "This patient has no e-mail address")
        code = invitation_issue(user)
        user.save(update_fields=["signup_token_hash", "signup_token_expires_at"])
        mail.welcome(user, code)
        return user
    if changes.send_form_request_reminder:
        if changes.is_intake_item:
            mail.intake_reminder(user)
        elif changes.requested_form_completion_id:
            mail.form_request_reminder(user, str(changes.requested_form_completion_id)[:32])
        else:
            raise ValidationFailed(
                "send_form_request_reminder", "Send is_intake_item or requested_form_completion_id with it"
            )
        return user
    errors = Collector()
    changed = _apply_patient_changes(viewer, user, given(changes), errors)
    for hook in _client_update_hooks:
        changed += hook(viewer, user, changes)
    return _save_patient(viewer, user, changed)


@transaction.atomic
def user_update(viewer: Viewer, *, user_id: object = None, current_email: str | None = None,
                changes: ProfileChanges) -> User:
    """``updateUser``: a patient edits themselves; a member may edit a patient they can see."""
    viewer.require()
    if user_id not in (None, ""):
        user = patient_get(viewer, user_id) if parse_id(user_id) != viewer.user_id else viewer.user
    elif current_email:
        lookup = Collector()
        address = clean_email(lookup, current_email, field="current_email")
        lookup.raise_if_any()
        user = visible_patients(viewer).filter(email__iexact=address).first()
        if user is None:
            raise NotFound("current_email", "User not found.")
    else:
        user = viewer.user
    user = User.objects.select_for_update().get(pk=user.pk)
    errors = Collector()
    changed = _apply_patient_changes(viewer, user, given(changes), errors)
    return _save_patient(viewer, user, changed)


@transaction.atomic
def clients_bulk_update(
    viewer: Viewer, *, ids: list[object] | None, user_group_id: object = None, active_status: bool | None = None
) -> list[User]:
    """``bulkUpdateClients``: one field at a time; ``user_group_id`` wins over ``active_status``."""
    viewer.require(MEMBER)
    if not ids:
        raise ValidationFailed("ids", "ids can't be blank")
    if len(ids) > 500:
        raise ValidationFailed("ids", "at most 500 patients can be updated at once")
    pks = [parse_id(i) for i in ids]
    users = list(visible_patients(viewer).filter(pk__in=[p for p in pks if p]).select_for_update(of=("self",))
                 .order_by("id"))
    if None in pks or len(users) != len(set(pks)):
        raise NotFound("ids", "Some patients were not found.")
    if user_group_id is not None:
        errors = Collector()
        group = _group_for(viewer, errors, user_group_id)
        errors.raise_if_any()
        field, value = "user_group_id", (group.pk if group else None)
    elif active_status is not None:
        field, value = "active", active_status
    else:
        raise ValidationFailed("active_status", "Send user_group_id or active_status")
    for user in users:
        if getattr(user, field) != value:
            setattr(user, field, value)
            user.save(update_fields=[field, "updated_at"])
            emit("patient.updated", user, organization_id=user.organization_id, actor_id=viewer.user_id,
                 changed_fields=[field])
    return users


@transaction.atomic
def patient_sign_up(sign_up: SignUp) -> User:
    """``signUp`` (unauthenticated): a patient joins through a provider id or an invite code."""
    values = given(sign_up)
    errors = Collector()
    role = (values.get("role") or "patient").strip().lower()
    if role != "patient":
        errors.add("role", "Only patients can sign up here (role must be \"patient\")")
    cleaned = _clean_profile(errors, values, creating=True)
    password = sent(sign_up.password)
    if not values.get("email"):
        errors.add("email", "Email can't be blank")
    if not password:
        errors.add("password", "Password can't be blank")
    else:
        check_password(errors, password,
                       user_inputs=[values.get("email"), values.get("first_name"), values.get("last_name")])
    group: UserGroup | None = None
    provider: User | None = None
    invite_code = (values.get("invite_code") or "").strip()
    if invite_code:
        group = UserGroup.objects.select_related("organization").filter(invite_code=invite_code[:32]).first()
        if group is None:
            errors.add("invite_code", "Invite code is not valid")
    dietitian_id = values.get("dietitian_id")
    if dietitian_id not in (None, ""):
        dietitian_pk = parse_id(dietitian_id)
        provider = User.objects.filter(pk=dietitian_pk, is_patient=False, active=True).first() if dietitian_pk else None
        if provider is None:
            errors.add("dietitian_id", "Provider not found.", ErrorCode.NOT_FOUND)
    if not invite_code and dietitian_id in (None, ""):
        errors.add("dietitian_id", "Send dietitian_id or invite_code")
    if provider and group and provider.organization_id != group.organization_id:
        errors.add("invite_code", "Invite code does not belong to this provider's organization")
    errors.raise_if_any()
    organization: Organization = provider.organization if provider else group.organization
    if provider is None:
        provider = organization.owner
    if _duplicate_exists(organization.pk, cleaned["email"], cleaned["first_name"], cleaned["last_name"]):
        raise ValidationFailed("email", DUPLICATE_MESSAGE)
    user = User(
        organization=organization,
        is_patient=True,
        dietitian=provider,
        user_group=group,
        email=cleaned["email"],
        password=make_password(password),
        **{k: v for k, v in cleaned.items() if k != "email"},
    )
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise ValidationFailed("email", DUPLICATE_MESSAGE) from error
    emit("patient.created", user, organization_id=organization.pk, actor_id=user.pk)
    return user
