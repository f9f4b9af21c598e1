"""The one payload every announcement mutation returns."""

from __future__ import annotations

from schema.announcements.types import AnnouncementType
from schema.payloads import payload_type

AnnouncementPayload = payload_type("AnnouncementPayload", announcement=AnnouncementType)
