"""Reads of form requests (``RequestedFormCompletion``) and recurring requests, scoped to the viewer.

Members see their organization's requests except those sent to patients hidden from them; a
patient sees only the requests sent to them.
"""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.selectors import hidden_patients, visible_patients
from apps.accounts.viewer import Viewer
from apps.core.errors import ValidationFailed
from apps.core.lookup import get_visible, parse_id
from apps.core.ordering import SortKey
from apps.forms.models import CustomModuleForm, RecurringForm, RequestedFormCompletion

try:  # owned by the templates part; the stand-in below keeps this part usable on its own.
    from apps.forms.selectors.templates import visible_forms
except ImportError:  # pragma: no cover - replaced at merge
    def visible_forms(viewer: Viewer) -> QuerySet[CustomModuleForm]:
        if not viewer.is_authenticated:
            return CustomModuleForm.objects.none()
        return CustomModuleForm.objects.filter(organization_id=viewer.organization_id, deleted_at=None)

STATUSES = (RequestedFormCompletion.OPEN, RequestedFormCompletion.INCOMPLETE, RequestedFormCompletion.COMPLETE)
REQUEST_SORT = [SortKey("created_at", True), SortKey("id", True)]
RECURRING_SORT = [SortKey("id", False)]


def visible_requests(viewer: Viewer) -> QuerySet[RequestedFormCompletion]:
    if not viewer.is_authenticated:
        return RequestedFormCompletion.objects.none()
    if viewer.is_patient:
        return RequestedFormCompletion.objects.filter(recipient_id=viewer.user_id, deleted_at=None)
    if not viewer.is_member:
        return RequestedFormCompletion.objects.none()
    return RequestedFormCompletion.objects.filter(organization_id=viewer.organization_id, deleted_at=None).exclude(
        recipient__in=hidden_patients(viewer))


def request_get(viewer: Viewer, request_id: object, *, field: str = "id") -> RequestedFormCompletion:
    return get_visible(visible_requests(viewer), request_id, "Requested form completion", field=field)


def requests_filter(viewer: Viewer, *, user_id: object = None, keywords: str | None = None,
                    status: str | None = None) -> QuerySet[RequestedFormCompletion]:
    qs = visible_requests(viewer)
    if user_id not in (None, ""):
        qs = qs.filter(recipient_id=parse_id(user_id) or 0)
    if status not in (None, ""):
        if status not in STATUSES:
            raise ValidationFailed("status", f"status must be one of: {', '.join(STATUSES)}.")
        qs = qs.filter(status=status)
    if keywords and keywords.strip():
        qs = qs.filter(custom_module_form__name__icontains=keywords.strip())
    return qs


def visible_recurring_forms(viewer: Viewer) -> QuerySet[RecurringForm]:
    if not viewer.is_authenticated:
        return RecurringForm.objects.none()
    if viewer.is_patient:
        return RecurringForm.objects.filter(recipient_id=viewer.user_id, deleted_at=None)
    if not viewer.is_member:
        return RecurringForm.objects.none()
    return RecurringForm.objects.filter(organization_id=viewer.organization_id, deleted_at=None,
                                        recipient__in=visible_patients(viewer))


def recurring_form_get(viewer: Viewer, recurring_id: object, *, field: str = "id") -> RecurringForm:
    return get_visible(visible_recurring_forms(viewer), recurring_id, "Recurring form", field=field)


def recurring_forms_filter(viewer: Viewer, *, connectable_id: object = None,
                           connectable_type: str | None = None) -> QuerySet[RecurringForm]:
    """``connectable`` names whom the requests go to: a patient (``User``) or a group (``UserGroup``)."""
    qs = visible_recurring_forms(viewer)
    if connectable_id in (None, ""):
        return qs
    pk = parse_id(connectable_id) or 0
    if connectable_type in (None, "", "User"):
        return qs.filter(recipient_id=pk)
    if connectable_type == "UserGroup":
        return qs.filter(recipient__user_group_id=pk)
    raise ValidationFailed("connectable_type", "connectable_type must be User or UserGroup.")
