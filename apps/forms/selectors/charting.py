"""Charting reads: chart notes, their signings and addenda, smart phrases, charting items.

Every queryset starts from the viewer's visible filled-out forms, so a note of another
organization, of a patient hidden from a restricted provider, or another member's draft is
missing everywhere (lookups by id answer "not found").
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.accounts.viewer import Viewer
from apps.core.errors import ValidationFailed
from apps.core.lookup import get_visible, parse_id
from apps.core.ordering import SortKey, sort_for
from apps.core.timefmt import parse_date, parse_datetime
from apps.forms.models import ChartingNoteAddendum, FormAnswerGroup, FormAnswerGroupSigning, SmartPhrase
from apps.forms.selectors.answers import visible_answer_groups


def group_get(viewer: Viewer, group_id: object, *, field: str = "id") -> FormAnswerGroup:
    return get_visible(visible_answer_groups(viewer), group_id, "Form answer group", field=field)


def visible_signings(viewer: Viewer) -> QuerySet[FormAnswerGroupSigning]:
    return FormAnswerGroupSigning.objects.filter(form_answer_group__in=visible_answer_groups(viewer))


def visible_addenda(viewer: Viewer) -> QuerySet[ChartingNoteAddendum]:
    return ChartingNoteAddendum.objects.filter(form_answer_group__in=visible_answer_groups(viewer))


def addendum_get(viewer: Viewer, addendum_id: object, *, field: str = "id") -> ChartingNoteAddendum:
    return get_visible(visible_addenda(viewer), addendum_id, "Addendum", field=field)


# --- smart phrases -------------------------------------------------------------------------

SMART_PHRASE_SORTS = {
    "created_at_asc": [SortKey("created_at"), SortKey("id")],
    "created_at_desc": [SortKey("created_at", True), SortKey("id", True)],
    "name_asc": [SortKey("name"), SortKey("id")],
    "name_desc": [SortKey("name", True), SortKey("id", True)],
    "updated_at_asc": [SortKey("updated_at"), SortKey("id")],
    "updated_at_desc": [SortKey("updated_at", True), SortKey("id", True)],
}


def visible_smart_phrases(viewer: Viewer) -> QuerySet[SmartPhrase]:
    """A member's own phrases plus the ones colleagues shared; patients have none."""
    if not viewer.is_member:
        return SmartPhrase.objects.none()
    return SmartPhrase.objects.filter(organization_id=viewer.organization_id).filter(
        Q(user_id=viewer.user_id) | Q(is_shared=True))


def smart_phrases_filter(viewer: Viewer, *, keywords: str | None = None) -> QuerySet[SmartPhrase]:
    qs = visible_smart_phrases(viewer)
    if keywords and keywords.strip():
        words = keywords.strip()[:200]
        qs = qs.filter(Q(name__icontains=words) | Q(text__icontains=words))
    return qs


def smart_phrase_sort(order_by: str | None) -> list[SortKey]:
    return sort_for(SMART_PHRASE_SORTS, order_by, "name_asc", argument="order_by")


# --- chart notes and charting items ------------------------------------------------------------

MAX_CHARTING_ITEMS = 500  # the published list is not paginated; a chart this long is split by dates

CHART_NOTE_SORT = [SortKey("created_at", True), SortKey("id", True)]

CHART_NOTE_STATUSES = ("CREATED", "SIGNED", "CO_SIGNED", "LOCKED", "CO_SIGNED_AND_LOCKED", "SIGNED_AND_LOCKED")


def _ids(values: list[object] | None, field: str) -> list[int] | None:
    if values is None:
        return None
    parsed = [parse_id(v) for v in values if v is not None]
    return [pk for pk in parsed if pk]


def _with_status(qs: QuerySet[FormAnswerGroup], status: str) -> QuerySet[FormAnswerGroup]:
    """CO_SIGNED means two or more signers; SIGNED exactly one; CREATED none and unlocked."""
    from django.db.models import Count

    qs = qs.annotate(_signers=Count("form_answer_group_signings", distinct=True))
    locked = Q(locked_at__isnull=False)
    return {
        "CREATED": qs.filter(~locked, _signers=0),
        "SIGNED": qs.filter(~locked, _signers=1),
        "CO_SIGNED": qs.filter(~locked, _signers__gte=2),
        "LOCKED": qs.filter(locked, _signers=0),
        "SIGNED_AND_LOCKED": qs.filter(locked, _signers=1),
        "CO_SIGNED_AND_LOCKED": qs.filter(locked, _signers__gte=2),
    }[status]


def chart_notes_filter(
    viewer: Viewer, *, user_id: object = None, provider_ids: list[object] | None = None,
    custom_module_form_ids: list[object] | None = None, start_date: str | None = None,
    end_date: str | None = None, chart_note_status: str | None = None,
    exclude_requested_and_intake_flow_forms: bool | None = None, tag_ids: list[object] | None = None,
) -> QuerySet[FormAnswerGroup]:
    """Visible filled-out forms of charting templates, by date of service (or creation)."""
    qs = visible_answer_groups(viewer).filter(custom_module_form__use_for_charting=True)
    if user_id is not None:
        qs = qs.filter(user_id=parse_id(user_id) or 0)
    providers = _ids(provider_ids, "provider_ids")
    if providers:
        qs = qs.filter(filler_id__in=providers)
    forms = _ids(custom_module_form_ids, "custom_module_form_ids")
    if forms:
        qs = qs.filter(custom_module_form_id__in=forms)
    tags = _ids(tag_ids, "tag_ids")
    if tags:
        qs = qs.filter(user__tags__in=tags).distinct()
    for name, value, lookup in (("start_date", start_date, "gte"), ("end_date", end_date, "lte")):
        if value:
            try:
                day = parse_date(value)
            except (ValueError, ValidationFailed) as error:
                raise ValidationFailed(name, f"'{name}' must be a date (YYYY-MM-DD).") from error
            qs = qs.filter(**{f"created_at__date__{lookup}": day})
    if exclude_requested_and_intake_flow_forms:
        qs = qs.filter(requested_form_completion__isnull=True)
    if chart_note_status:
        qs = _with_status(qs, chart_note_status)
    return qs


def charting_items_filter(
    viewer: Viewer, *, user_id: object = None, custom_module_form_id: object = None, filler_id: object = None,
    form_answer_group_id: object = None, keywords: str | None = None, name: str | None = None,
    date: str | None = None, start_date: str | None = None, end_date: str | None = None,
) -> QuerySet[FormAnswerGroup]:
    """The filled-out forms a patient's chart lists, newest first (documents and AI-generated
    notes are not part of this product: see docs/compatibility.md)."""
    qs = visible_answer_groups(viewer)
    for value, column in ((user_id, "user_id"),
                          (custom_module_form_id, "custom_module_form_id"),
                          (filler_id, "filler_id"),
                          (form_answer_group_id, "pk")):
        if value is not None:
            qs = qs.filter(**{column: parse_id(value) or 0})
    text = (keywords or name or "").strip()[:200]
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(custom_module_form__name__icontains=text))
    for arg, value, lookup in (("date", date, "date"), ("start_date", start_date, "gte"),
                               ("end_date", end_date, "lte")):
        if value:
            try:
                moment = parse_datetime(value)
            except (ValueError, ValidationFailed) as error:
                raise ValidationFailed(arg, f"'{arg}' must be a date and time (ISO 8601).") from error
            if lookup == "date":
                qs = qs.filter(created_at__date=moment.date())
            else:
                qs = qs.filter(**{f"created_at__{lookup}": moment})
    return qs.order_by("-created_at", "-id")
