"""Announcement mutation inputs and the builder of the services' keyword arguments."""

from __future__ import annotations

import strawberry
from strawberry import UNSET

from schema.payloads import provided


@strawberry.input(name="createAnnouncementInput")
class CreateAnnouncementInput:
    title: str | None = UNSET
    description: str | None = UNSET


@strawberry.input(name="updateAnnouncementInput")
class UpdateAnnouncementInput:
    id: strawberry.ID | None = UNSET
    title: str | None = UNSET
    description: str | None = UNSET


@strawberry.input(name="deleteAnnouncementInput")
class DeleteAnnouncementInput:
    id: strawberry.ID | None = UNSET


def announcement_fields(data: CreateAnnouncementInput | UpdateAnnouncementInput | None) -> dict[str, str | None]:
    """``title`` and ``description`` for the services (``None``: not sent or sent as null, both keep the value)."""
    values = provided(data)
    return {"title": values.get("title"), "description": values.get("description")}


def announcement_id(data: UpdateAnnouncementInput | DeleteAnnouncementInput | None) -> object:
    return provided(data).get("id")
