"""Appointment type credits set through ``updateClient`` (``appointment_type_credits_attributes``).

Registered as an updateClient hook in ``SchedulingConfig.ready()`` so the accounts
service stays unaware of scheduling.
"""

from __future__ import annotations

from typing import Any

from apps.accounts.inputs import ClientChanges
from apps.accounts.models import User
from apps.accounts.selectors import parse_id
from apps.accounts.viewer import Viewer
from apps.core.errors import Collector, ErrorCode
from apps.scheduling.models import AppointmentType, AppointmentTypeCredit

FIELD = "appointment_type_credits_attributes"
MAX_ITEMS = 100


def apply_credit_attributes(viewer: Viewer, user: User, changes: ClientChanges) -> list[str]:
    """Creates, updates or (``_destroy``) removes the client's credits; returns changed field names."""
    items = [item for item in (changes.appointment_type_credits_attributes or ()) if item is not None]
    if not items:
        return []
    errors = Collector()
    if len(items) > MAX_ITEMS:
        errors.add(FIELD, f"at most {MAX_ITEMS} entries at once")
        errors.raise_if_any()
    existing = {c.pk: c for c in AppointmentTypeCredit.objects.select_for_update().filter(user=user)}
    type_ids = {parse_id(i.appointment_type_id) for i in items} - {None}
    types = {t.pk: t for t in AppointmentType.objects.filter(organization_id=user.organization_id, pk__in=type_ids)}
    plan: list[tuple[str, Any, dict[str, Any]]] = []
    for index, item in enumerate(items):
        field = f"{FIELD}[{index}]"
        credit = None
        if item.id not in (None, ""):
            credit = existing.get(parse_id(item.id))
            if credit is None:
                errors.add(f"{field}.id", "Credit not found for this client", ErrorCode.NOT_FOUND)
                continue
        if item.destroy:
            if credit is None:
                errors.add(f"{field}.id", "id is required with _destroy")
            else:
                plan.append(("delete", credit, {}))
            continue
        values: dict[str, Any] = {}
        if item.appointment_type_id not in (None, ""):
            appt_type = types.get(parse_id(item.appointment_type_id))
            if appt_type is None:
                errors.add(f"{field}.appointment_type_id", "Appointment type not found", ErrorCode.NOT_FOUND)
                continue
            values["appointment_type"] = appt_type
        elif credit is None:
            errors.add(f"{field}.appointment_type_id", "Appointment type can't be blank")
            continue
        if item.total_credits is not None:
            if not 0 <= item.total_credits <= 100000:
                errors.add(f"{field}.total_credits", "must be between 0 and 100000")
                continue
            values["total_credits"] = item.total_credits
        plan.append(("save", credit, values))
    errors.raise_if_any()
    for action, credit, values in plan:
        if action == "delete":
            credit.delete()
            continue
        if credit is None:
            appt_type = values.pop("appointment_type")
            credit = AppointmentTypeCredit.objects.filter(user=user, appointment_type=appt_type).first() or \
                AppointmentTypeCredit(organization_id=user.organization_id, user=user, appointment_type=appt_type)
        for name, value in values.items():
            setattr(credit, name, value)
        credit.save()
    return ["appointment_type_credits"]
