"""Scoped reads of filled-out forms (``FormAnswerGroup``) and their answers.

Members of an organization see its filled-out forms about patients ``visible_patients``
allows them (a restricted provider never sees a hidden patient's forms); a patient sees only
the forms about themselves. A form of another organization or of a hidden patient answers
exactly like a missing one.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.accounts.selectors import visible_patients
from apps.accounts.viewer import Viewer
from apps.core.errors import NotFound, ValidationFailed
from apps.core.lookup import get_visible, parse_id
from apps.core.ordering import Sort, SortKey, sort_for
from apps.core.timefmt import TimeFormatError, parse_date
from apps.forms.models import FormAnswerGroup, FormAnswerGroupSigning

MAX_IDS = 500


def visible_answer_groups(viewer: Viewer) -> QuerySet[FormAnswerGroup]:
    """Every not-deleted filled-out form the viewer may read (drafts included: a draft is only
    shown to its filler)."""
    if not viewer.is_authenticated or not (viewer.is_patient or viewer.is_member):
        return FormAnswerGroup.objects.none()
    qs = FormAnswerGroup.objects.filter(organization_id=viewer.organization_id, deleted_at__isnull=True,
                                        user__in=visible_patients(viewer))
    return qs.filter(Q(is_draft=False) | Q(filler_id=viewer.user_id))


def answer_group_get(viewer: Viewer, group_id: object, *, field: str = "id") -> FormAnswerGroup:
    return get_visible(visible_answer_groups(viewer), group_id, "Filled-out form", field=field)


def answer_group_find(viewer: Viewer, *, id: object = None, external_id: str | None = None,
                      ids: list[object] | None = None) -> FormAnswerGroup | None:
    """``formAnswerGroup``: by id (unfinished ones too), else by external id, else the first of ids.

    Like every lookup, an id the viewer may not see raises ``NotFound`` (a top-level NOT_FOUND)."""
    qs = visible_answer_groups(viewer)
    if id is not None:
        return get_visible(qs, id, "Filled-out form")
    if external_id:
        found = qs.filter(external_id=str(external_id)[:255]).order_by("-id").first()
        if found is None:
            raise NotFound("external_id", "Filled-out form not found.")
        return found
    if ids:
        pks = [p for p in (parse_id(i) for i in ids[:MAX_IDS]) if p]
        found = qs.filter(pk__in=pks).order_by("id").first() if pks else None
        if found is None:
            raise NotFound("ids", "Filled-out form not found.")
        return found
    return None


def _pk_or_fail(value: object, argument: str) -> int:
    pk = parse_id(value)
    if pk is None:
        raise ValidationFailed(argument, f"'{argument}' must be an id.")
    return pk


def answer_groups_filter(
    viewer: Viewer, *, custom_module_form_id: object = None, date: str | None = None, filler_id: object = None,
    form_answer_group_id: object = None, ids: list[object] | None = None, name: str | None = None,
    user_id: object = None, locked_status: bool | None = None, signed_status: bool | None = None,
    use_for_charting: bool | None = None, updated_after: str | None = None, updated_before: str | None = None,
) -> QuerySet[FormAnswerGroup]:
    """``formAnswerGroups``: finished forms only (unfinished ones are read by id), filtered.

    An id filter naming a record the viewer may not see simply matches nothing.
    """
    qs = visible_answer_groups(viewer).filter(finished=True)
    if custom_module_form_id not in (None, ""):
        qs = qs.filter(custom_module_form_id=_pk_or_fail(custom_module_form_id, "custom_module_form_id"))
    if filler_id not in (None, ""):
        qs = qs.filter(filler_id=_pk_or_fail(filler_id, "filler_id"))
    if user_id not in (None, ""):
        qs = qs.filter(user_id=_pk_or_fail(user_id, "user_id"))
    if form_answer_group_id not in (None, ""):
        qs = qs.filter(pk=_pk_or_fail(form_answer_group_id, "form_answer_group_id"))
    if ids:
        if len(ids) > MAX_IDS:
            raise ValidationFailed("ids", f"'ids' takes at most {MAX_IDS} ids.")
        qs = qs.filter(pk__in=[_pk_or_fail(i, "ids") for i in ids])
    if name:
        qs = qs.filter(name__icontains=name[:255])
    if date:
        day = _day(date, "date")
        # The date of service of a chart note when it has one, otherwise the day it was filled out.
        qs = qs.filter(Q(record_created_at__date=day) | Q(record_created_at__isnull=True, created_at__date=day))
    if updated_after:
        qs = qs.filter(updated_at__date__gte=_day(updated_after, "updated_after"))
    if updated_before:
        qs = qs.filter(updated_at__date__lte=_day(updated_before, "updated_before"))
    if locked_status is not None:
        qs = qs.filter(locked_at__isnull=not locked_status)
    if signed_status is not None:
        signed = Exists(FormAnswerGroupSigning.objects.filter(form_answer_group_id=OuterRef("pk")))
        qs = qs.filter(signed) if signed_status else qs.exclude(signed)
    if use_for_charting is not None:
        qs = qs.filter(custom_module_form__use_for_charting=use_for_charting)
    return qs


def _day(text: str, argument: str):
    try:
        return parse_date(str(text).strip()[:10])
    except (TimeFormatError, ValueError) as error:
        raise ValidationFailed(argument, f"'{argument}' must be a date like 2021-10-29.") from error


def _keys(column: str, descending: bool) -> list[SortKey]:
    return [SortKey(column, descending), SortKey("id", descending)]


ANSWER_GROUP_SORTS: dict[str, Sort] = {
    "record_created_at_asc": _keys("record_created_at", False),
    "record_created_at_desc": _keys("record_created_at", True),
    "updated_at_asc": _keys("updated_at", False),
    "updated_at_desc": _keys("updated_at", True),
    "created_at_asc": _keys("created_at", False),
    "created_at_desc": _keys("created_at", True),
    "unsorted": [SortKey("id", False)],
}


def answer_group_sort(order_by: str | None) -> list[SortKey]:
    return sort_for(ANSWER_GROUP_SORTS, order_by, "created_at_desc", argument="order_by")
