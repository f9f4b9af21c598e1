"""The iCalendar document of a provider's appointments, built with ``icalendar``."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event

from apps.accounts.models import User
from apps.accounts.viewer import Viewer
from apps.core.timefmt import now
from apps.scheduling.models import active_q
from apps.scheduling.selectors import appointments_visible

PAST_DAYS = 30
FUTURE_DAYS = 365


def provider_calendar(provider: User, *, viewer: Viewer, domain: str) -> bytes:
    """Active appointments from a month ago to a year ahead, as far as ``viewer`` (the feed's
    creator) may see them: an appointment of a patient hidden from them is left out, exactly as
    ``appointments(provider_id:)`` leaves it out. No clinical notes are included."""
    moment = now()
    appointments = (
        appointments_visible(viewer).filter(active_q(), provider=provider,
                                            start__gte=moment - dt.timedelta(days=PAST_DAYS),
                                            start__lte=moment + dt.timedelta(days=FUTURE_DAYS))
        .select_related("appointment_type", "user")
        .order_by("start", "id")
    )
    calendar = Calendar()
    calendar.add("prodid", "-//careplatform//scheduling//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{provider.full_name} appointments")
    for appointment in appointments:
        event = Event()
        name = appointment.appointment_type.name if appointment.appointment_type_id else "Appointment"
        who = appointment.user.full_name if appointment.user_id else ("Group" if appointment.is_group else "")
        event.add("uid", f"appointment-{appointment.pk}@{domain}")
        event.add("summary", f"{name} - {who}" if who else name)
        event.add("dtstart", appointment.start)
        event.add("dtend", appointment.end)
        event.add("dtstamp", appointment.updated_at)
        if appointment.contact_type:
            event.add("description", appointment.contact_type)
        if appointment.location:
            event.add("location", appointment.location)
        calendar.add_component(event)
    return calendar.to_ical()
