"""Addresses of patients and providers."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.accounts.inputs import Address
from apps.accounts.models import Location
from apps.accounts.selectors import location_get, user_get
from apps.accounts.validation import clean_text
from apps.accounts.viewer import Viewer
from apps.core.errors import Collector, NotFound
from apps.core.inputs import sent

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "state", "zip", "npi", "phone_number")


def _clean(address: Address) -> dict[str, Any]:
    errors = Collector()
    cleaned = {}
    for name in ADDRESS_FIELDS:
        value = sent(getattr(address, name))
        if value is not None:
            value = clean_text(errors, name, value)
            if value is not None:
                cleaned[name] = value
    country = sent(address.country)
    if country is not None:
        if len(country.strip()) != 2 or not country.strip().isalpha():
            errors.add("country", "must be a two-letter country code like US")
        else:
            cleaned["country"] = country.strip().upper()
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def location_create(viewer: Viewer, *, address: Address, user_id: object = None) -> Location:
    """An address of the caller, or (for a member) of a user they can see."""
    viewer.require()
    user = viewer.user
    if user_id not in (None, ""):
        user = user_get(viewer, user_id, field="user_id")
        if viewer.is_patient and user.pk != viewer.user_id:
            # A patient sees their providers, but only their own addresses are theirs to add.
            raise NotFound("user_id", "User not found.")
    return Location.objects.create(organization_id=user.organization_id, user=user, **_clean(address))


@transaction.atomic
def location_update(viewer: Viewer, *, location_id: object, address: Address) -> Location:
    viewer.require()
    location = location_get(viewer, location_id)
    cleaned = _clean(address)
    for name, value in cleaned.items():
        setattr(location, name, value)
    if cleaned:
        location.save()
    return location
