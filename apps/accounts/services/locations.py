"""Addresses of patients and providers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from apps.accounts.models import Location
from apps.accounts.selectors import location_get, parse_id, visible_users
from apps.accounts.validation import clean_text
from apps.accounts.viewer import Viewer
from apps.core.errors import Collector, Forbidden, ValidationFailed

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "state", "zip", "npi", "phone_number")


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    errors = Collector()
    cleaned = {}
    for name in ADDRESS_FIELDS:
        if values.get(name) is not None:
            value = clean_text(errors, name, values[name])
            if value is not None:
                cleaned[name] = value
    country = values.get("country")
    if country is not None:
        if len(country.strip()) != 2 or not country.strip().isalpha():
            errors.add("country", "must be a two-letter country code like US")
        else:
            cleaned["country"] = country.strip().upper()
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def location_create(viewer: Viewer, *, values: Mapping[str, Any]) -> Location:
    if not viewer.is_authenticated:
        raise Forbidden()
    user = viewer.user
    if values.get("user_id") not in (None, ""):
        pk = parse_id(values["user_id"])
        user = visible_users(viewer).filter(pk=pk).first() if pk else None
        if user is None or (viewer.is_patient and user.pk != viewer.user_id):
            raise ValidationFailed("user_id", "User not found")
    return Location.objects.create(organization_id=user.organization_id, user=user, **_clean(values))


@transaction.atomic
def location_update(viewer: Viewer, *, location_id: object, values: Mapping[str, Any]) -> Location:
    location = location_get(viewer, location_id)
    cleaned = _clean(values)
    for name, value in cleaned.items():
        setattr(location, name, value)
    if cleaned:
        location.save()
    return location
