"""Appointment type credits set through ``updateClient`` (``appointment_type_credits_attributes``).

Registered as an updateClient hook in ``SchedulingConfig.ready()`` so the accounts
service stays unaware of scheduling.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apps.accounts.models import User
from apps.accounts.selectors import parse_id
from apps.accounts.viewer import Viewer
from apps.core.errors import Collector
from apps.scheduling.models import AppointmentType, AppointmentTypeCredit

FIELD = "appointment_type_credits_attributes"
MAX_ITEMS = 100


def apply_credit_attributes(viewer: Viewer, user: User, values: Mapping[str, Any]) -> list[str]:
    """Creates, updates or (``_destroy``) removes the client's credits; returns changed field names."""
    raw = values.get(FIELD)
    if not raw:
        return []
    # GraphQL input objects arrive as attribute holders; plain mappings come from Python callers.
    items = [item if isinstance(item, Mapping) else vars(item) for item in raw if item is not None]
    errors = Collector()
    if len(items) > MAX_ITEMS:
        errors.add(FIELD, f"at most {MAX_ITEMS} entries at once")
        errors.raise_if_any()
    existing = {c.pk: c for c in AppointmentTypeCredit.objects.select_for_update().filter(user=user)}
    type_ids = {parse_id(i.get("appointment_type_id")) for i in items} - {None}
    types = {t.pk: t for t in AppointmentType.objects.filter(organization_id=user.organization_id, pk__in=type_ids)}
    plan: list[tuple[str, Any, dict[str, Any]]] = []
    for index, item in enumerate(items):
        field = f"{FIELD}[{index}]"
        credit = None
        if item.get("id") not in (None, ""):
            credit = existing.get(parse_id(item["id"]))
            if credit is None:
                errors.add(f"{field}.id", "Credit not found for this client")
                continue
        if item.get("destroy"):
            if credit is None:
                errors.add(f"{field}.id", "id is required with _destroy")
            else:
                plan.append(("delete", credit, {}))
            continue
        changes: dict[str, Any] = {}
        if item.get("appointment_type_id") not in (None, ""):
            appt_type = types.get(parse_id(item["appointment_type_id"]))
            if appt_type is None:
                errors.add(f"{field}.appointment_type_id", "Appointment type not found")
                continue
            changes["appointment_type"] = appt_type
        elif credit is None:
            errors.add(f"{field}.appointment_type_id", "Appointment type can't be blank")
            continue
        if item.get("total_credits") is not None:
            if not 0 <= item["total_credits"] <= 100000:
                errors.add(f"{field}.total_credits", "must be between 0 and 100000")
                continue
            changes["total_credits"] = item["total_credits"]
        plan.append(("save", credit, changes))
    errors.raise_if_any()
    for action, credit, changes in plan:
        if action == "delete":
            credit.delete()
            continue
        if credit is None:
            appt_type = changes.pop("appointment_type")
            credit = AppointmentTypeCredit.objects.filter(user=user, appointment_type=appt_type).first() or \
                AppointmentTypeCredit(organization_id=user.organization_id, user=user, appointment_type=appt_type)
        for name, value in changes.items():
            setattr(credit, name, value)
        credit.save()
    return ["appointment_type_credits"]
