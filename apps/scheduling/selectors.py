"""Scoped reads for scheduling. Every function takes the viewer; another organization's
record answers exactly like a missing one.

Public (unauthenticated) booking reads go through ``public_provider`` and
``bookable_types_for``: they only ever expose clients-bookable data of the provider
the caller names.
"""

from __future__ import annotations

import datetime as dt
import json

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from apps.accounts.models import User
from apps.accounts.selectors import hidden_patients, parse_id, user_get
from apps.accounts.viewer import MEMBER, Viewer
from apps.core.errors import NotFound, ValidationFailed
from apps.core.lookup import get_visible
from apps.core.ordering import Sort, SortKey, sort_for
from apps.core.timefmt import TimeFormatError, now, parse_date
from apps.scheduling.models import (
    CANCELLED,
    INACTIVE_STATUSES,
    RESCHEDULED,
    Appointment,
    AppointmentAttendee,
    AppointmentSetting,
    AppointmentType,
    Availability,
    active_q,
)

# ---- providers ------------------------------------------------------------------------------


def active_providers() -> QuerySet[User]:
    return User.objects.filter(is_patient=False, active=True, membership__active=True)


def public_provider(viewer: Viewer, provider_id: object, *, field: str = "provider_id") -> User:
    """The provider a booking call names. Members and patients are held to their own
    organization; anonymous callers may name any active provider (that is how public
    booking pages work) but then only see that provider's organization."""
    pk = parse_id(provider_id)
    qs = active_providers()
    if viewer.is_authenticated:
        qs = qs.filter(organization_id=viewer.organization_id)
    provider = qs.filter(pk=pk).first() if pk else None
    if provider is None:
        raise NotFound(field, "Provider not found.")
    return provider


def member_provider(viewer: Viewer, provider_id: object, *, field: str = "provider_id") -> User:
    return get_visible(active_providers().filter(organization_id=viewer.organization_id), provider_id, "Provider",
                       field=field)


# ---- appointment types ----------------------------------------------------------------------


TYPE_IDS_MESSAGE = "'appointment_type_ids' must be a JSON array of ids, like [\"1\", \"2\"]."


def parse_type_ids(raw: str | None) -> list[int] | None:
    """``appointment_type_ids`` is a JSON array string like ``["1", "2"]``."""
    if raw is None or raw == "":
        return None
    try:
        values = json.loads(raw)
    except ValueError as error:
        raise ValidationFailed("appointment_type_ids", TYPE_IDS_MESSAGE) from error
    if not isinstance(values, list) or len(values) > 500:
        raise ValidationFailed("appointment_type_ids", TYPE_IDS_MESSAGE)
    ids = [parse_id(v) for v in values]
    if any(i is None for i in ids):
        raise ValidationFailed("appointment_type_ids", "'appointment_type_ids' must only contain ids.")
    return [i for i in ids if i is not None]


def client_can_book_type(appt_type: AppointmentType, group_id: int | None) -> bool:
    if not appt_type.clients_can_book or appt_type.deleted_at is not None:
        return False
    if not appt_type.specific_groups:
        return True
    if group_id is None:
        return appt_type.bookable_without_group
    if appt_type.bookable_without_group:
        return False  # documented: only clients with no group can book it
    ids = appt_type.bookable_group_ids
    return ids is None or group_id in ids


def appointment_types_filter(
    viewer: Viewer,
    *,
    provider_id: object = None,
    clients_can_book: bool | None = None,
    keywords: str | None = None,
    show_group: bool | None = None,
    appointment_type_ids: str | None = None,
    with_deleted_appt_types: bool | None = None,
) -> QuerySet[AppointmentType]:
    """The filter shared by ``appointmentTypes`` and ``appointmentTypesCount``."""
    if viewer.is_member:
        qs = AppointmentType.objects.filter(organization_id=viewer.organization_id)
        if provider_id not in (None, ""):
            member_provider(viewer, provider_id)
        if not with_deleted_appt_types:
            qs = qs.filter(deleted_at__isnull=True)
        if clients_can_book is not None:
            qs = qs.filter(clients_can_book=clients_can_book)
    else:
        # Patients and anonymous booking pages: only live, clients-bookable types.
        if viewer.is_patient:
            organization_id = viewer.organization_id
            if provider_id not in (None, ""):
                organization_id = public_provider(viewer, provider_id).organization_id
        else:
            if provider_id in (None, ""):
                raise ValidationFailed("provider_id", "'provider_id' is required to list bookable appointment types.")
            organization_id = public_provider(viewer, provider_id).organization_id
        qs = AppointmentType.objects.filter(organization_id=organization_id, deleted_at__isnull=True,
                                            clients_can_book=True)
        group_id = viewer.user.user_group_id if viewer.is_patient else None
        allowed = [t.pk for t in qs.only("id", "clients_can_book", "deleted_at", "specific_groups",
                                            "bookable_without_group", "bookable_group_ids")
                   if client_can_book_type(t, group_id)]
        qs = qs.filter(pk__in=allowed)
    if keywords and keywords.strip():
        qs = qs.filter(name__icontains=keywords.strip()[:100])
    if show_group is False:
        qs = qs.filter(is_group=False)
    ids = parse_type_ids(appointment_type_ids)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs


def appointment_type_get(viewer: Viewer, type_id: object, *, field: str = "id") -> AppointmentType:
    pk = parse_id(type_id)
    appt_type = None
    if pk and viewer.is_authenticated:
        qs = AppointmentType.objects.filter(organization_id=viewer.organization_id, pk=pk)
        if not viewer.is_member:
            qs = qs.filter(deleted_at__isnull=True, clients_can_book=True)
        appt_type = qs.first()
    if appt_type is None:
        raise NotFound(field, "Appointment type not found.")
    return appt_type


def bookable_type(viewer: Viewer, type_id: object, provider: User, *, field: str = "appt_type_id"
                  ) -> AppointmentType:
    """The type a booking query or checkout names, in the provider's organization.

    Members may use any live type; patients and anonymous callers only those clients can book.
    """
    pk = parse_id(type_id)
    appt_type = AppointmentType.objects.filter(
        organization_id=provider.organization_id, pk=pk, deleted_at__isnull=True
    ).select_related("appointment_setting").first() if pk else None
    if appt_type is not None and not viewer.is_member:
        group_id = viewer.user.user_group_id if viewer.is_patient else None
        if not client_can_book_type(appt_type, group_id):
            appt_type = None
    if appt_type is None:
        raise NotFound(field, "Appointment type not found.")
    return appt_type


# ---- settings -------------------------------------------------------------------------------


def appointment_setting_get(viewer: Viewer, *, setting_id: object = None, provider_id: object = None
                            ) -> AppointmentSetting | None:
    """By id, by provider, or the viewer's own; None when the provider has none yet."""
    if not viewer.is_authenticated:
        raise NotFound("id", "Appointment setting not found.")
    qs = AppointmentSetting.objects.filter(organization_id=viewer.organization_id)
    if setting_id not in (None, ""):
        pk = parse_id(setting_id)
        setting = qs.filter(pk=pk).first() if pk else None
        if setting is None:
            raise NotFound("id", "Appointment setting not found.")
        return setting
    if provider_id not in (None, ""):
        provider = member_provider(viewer, provider_id) if viewer.is_member else public_provider(viewer, provider_id)
    elif viewer.is_member:
        provider = viewer.user
    else:
        raise ValidationFailed("id", "Send id or provider_id.")
    return qs.filter(provider=provider).first()


# ---- availability ---------------------------------------------------------------------------


def _date_arg(value: str | None, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return parse_date(value)
    except TimeFormatError as error:
        raise ValidationFailed(name, f"'{name}': {error}") from error


def availabilities_visible(viewer: Viewer) -> QuerySet[Availability]:
    """Availability is staff data: patients and anonymous callers are refused."""
    viewer.require(MEMBER)
    return Availability.objects.filter(organization_id=viewer.organization_id, deleted_at__isnull=True)


def availabilities_filter(
    viewer: Viewer,
    *,
    show_availability: bool | None = None,
    one_time: bool | None = None,
    is_repeating: bool | None = None,
    include_repeating: bool | None = None,
    day_of_week: int | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    is_org: bool | None = None,
    provider_ids: list[object] | None = None,
    user_id: object = None,
) -> QuerySet[Availability]:
    qs = availabilities_visible(viewer)
    if show_availability is False:
        return qs.none()
    if provider_ids:
        if not is_org:
            raise ValidationFailed("is_org", "'is_org' must be true when passing provider_ids.")
        qs = qs.filter(user_id__in=[p for p in (parse_id(i) for i in provider_ids) if p])
    elif user_id not in (None, ""):
        qs = qs.filter(user=member_provider(viewer, user_id, field="user_id"))
    elif not is_org:
        qs = qs.filter(user_id=viewer.user_id)
    if day_of_week is not None:
        if not 0 <= day_of_week <= 6:
            raise ValidationFailed("day_of_week", "'day_of_week' must be between 0 (Sunday) and 6 (Saturday).")
        qs = qs.filter(day_of_week=day_of_week)
    start, end = _date_arg(start_date, "startDate"), _date_arg(end_date, "endDate")
    one_time_q = Q(is_repeating=False)
    if start:
        one_time_q &= Q(range_start__gte=start)
    if end:
        one_time_q &= Q(range_start__lt=end)
    repeating_q = Q(is_repeating=True)
    if end:
        repeating_q &= Q(range_start__lt=end)
    if start:
        repeating_q &= Q(range_end__isnull=True) | Q(range_end__gte=start)
    if is_repeating and not one_time:
        return qs.filter(repeating_q)
    if one_time and not is_repeating:
        return qs.filter(one_time_q | repeating_q) if include_repeating else qs.filter(one_time_q)
    return qs.filter(one_time_q | repeating_q)


def availability_get(viewer: Viewer, availability_id: object) -> Availability:
    return get_visible(availabilities_visible(viewer), availability_id, "Availability")


# ---- appointments ---------------------------------------------------------------------------


def appointments_visible(viewer: Viewer, *, include_deleted: bool = False) -> QuerySet[Appointment]:
    """Members: their organization's appointments, except those of a patient hidden from them
    (a member without ``can_see_all_clients`` sees their own patients only): an appointment with
    a hidden client or attendee is hidden as a whole, even on the member's own calendar.
    Patients: those they attend (``Appointment.attendees`` shows them only themselves)."""
    if not viewer.is_authenticated:
        return Appointment.objects.none()
    qs = Appointment.objects.filter(organization_id=viewer.organization_id)
    if viewer.is_patient:
        qs = qs.filter(attendee_links__user_id=viewer.user_id)
        include_deleted = False
    elif not viewer.is_member:
        return Appointment.objects.none()
    else:
        hidden = hidden_patients(viewer).values("pk")
        qs = qs.exclude(user_id__in=hidden).exclude(
            Exists(AppointmentAttendee.objects.filter(appointment_id=OuterRef("pk"), user_id__in=hidden)))
    if not include_deleted:
        qs = qs.filter(deleted_at__isnull=True)
    return qs


def appointment_get(viewer: Viewer, appointment_id: object, *, include_deleted: bool = False,
                    field: str = "id") -> Appointment:
    return get_visible(appointments_visible(viewer, include_deleted=include_deleted), appointment_id, "Appointment",
                       field=field)


FILTERS = ("future", "upcoming", "past", "ended", "didnt-occur", "all")

# ``order_by`` of ``appointments``, spelled like ``QuerySet.order_by``.
APPOINTMENT_SORTS: dict[str, Sort] = {
    "date_asc": [SortKey("start")],
    "date_desc": [SortKey("start", True)],
    "created_at_asc": [SortKey("created_at")],
    "created_at_desc": [SortKey("created_at", True)],
    "updated_at_asc": [SortKey("updated_at")],
    "updated_at_desc": [SortKey("updated_at", True)],
}
AVAILABILITY_SORT = [SortKey("range_start"), SortKey("start_time")]
APPOINTMENT_TYPE_SORT = [SortKey("id")]


def appointment_sort(order_by: str | None, filter: str | None = None) -> list[SortKey]:
    """The order ``order_by`` names; past lists read newest first, everything else soonest first."""
    default = "date_desc" if (filter or "").strip().lower() in ("past", "ended") else "date_asc"
    return sort_for(APPOINTMENT_SORTS, order_by, default, argument="order_by")


def appointments_filter(
    viewer: Viewer,
    *,
    filter: str | None = None,
    is_org: bool | None = None,
    is_active: bool | None = None,
    with_all_statuses: bool | None = None,
    user_id: object = None,
    provider_id: object = None,
) -> QuerySet[Appointment]:
    """The filter shared by ``appointments`` and ``appointmentsCount``.

    Without ``is_org`` a member sees their own calendar (as primary or additional
    provider); ``user_id`` narrows to one patient's or provider's appointments. By
    default cancelled and re-scheduled appointments are left out; ``is_active`` also
    drops no-shows; ``with_all_statuses`` keeps everything and wins over both.
    """
    qs = appointments_visible(viewer)
    name = (filter or "future").strip().lower()
    if name not in FILTERS:
        raise ValidationFailed("filter", f"'filter' must be one of: {', '.join(FILTERS)}.")
    moment = now()
    if viewer.is_member:
        if user_id not in (None, ""):
            target = user_get(viewer, user_id, field="user_id")
            if target.is_patient:
                qs = qs.filter(attendee_links__user_id=target.pk)
            else:
                qs = qs.filter(Q(provider_id=target.pk) | Q(provider_links__user_id=target.pk))
        elif provider_id not in (None, ""):
            qs = qs.filter(provider=member_provider(viewer, provider_id))
        elif not is_org:
            qs = qs.filter(Q(provider_id=viewer.user_id) | Q(provider_links__user_id=viewer.user_id))
    elif user_id not in (None, "") and parse_id(user_id) != viewer.user_id:
        raise NotFound("user_id", "User not found.")
    if name == "future":
        qs = qs.filter(start__gte=moment)
    elif name == "upcoming":
        qs = qs.filter(start__gte=moment).filter(active_q())
    elif name == "past":
        qs = qs.filter(start__lt=moment)
    elif name == "ended":
        qs = qs.filter(end__lt=moment)
    if with_all_statuses:
        pass
    elif name == "didnt-occur":
        qs = qs.filter(pm_status__in=INACTIVE_STATUSES)
    elif is_active:
        qs = qs.filter(active_q())
    else:
        qs = qs.exclude(pm_status__in=(CANCELLED, RESCHEDULED))
    return qs.distinct()


def next_appointment_start_subquery(user_ref: str = "pk") -> Subquery:
    """The start of the user's next active appointment (as a client or as the primary provider),
    as a subquery over ``user_ref`` of the outer ``User`` queryset; ``NULL`` when there is none.

    ``User.next_appt_date`` and the ``next_appt_*`` sorts of ``users``/``organizationMembers``
    both use it, so the list order always agrees with the field. "Now" is the application clock
    (not the database's) so it agrees with every other time rule.
    """
    upcoming = Appointment.objects.filter(active_q(), start__gte=now()).filter(
        Q(attendee_links__user_id=OuterRef(user_ref)) | Q(provider_id=OuterRef(user_ref))
    )
    return Subquery(upcoming.order_by("start").values("start")[:1])


def next_appointment_start(user: User) -> dt.datetime | None:
    """``next_appointment_start_subquery`` for one user (one query)."""
    return User.objects.filter(pk=user.pk).annotate(s=next_appointment_start_subquery()).values_list(
        "s", flat=True).first()
