"""STAND-IN written by helper "charting" so its branch builds: helper "answers" owns this module
and its full FormAnswerGroup / FormAnswer types replace this file at merge."""

from __future__ import annotations

import strawberry
import strawberry_django

from apps.core.timefmt import format_datetime
from apps.forms import models
from schema.accounts.types import UserType, shown_user_field


@strawberry_django.type(models.FormAnswerGroup, name="FormAnswerGroup")
class FormAnswerGroupType:
    id: strawberry.ID
    name: str | None
    finished: bool | None
    user: UserType | None = shown_user_field("user")
    filler: UserType | None = shown_user_field("filler")

    @strawberry_django.field(only=["locked_at"])
    def locked_at(self, root: models.FormAnswerGroup) -> str | None:
        return format_datetime(root.locked_at)

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.FormAnswerGroup) -> str | None:
        return format_datetime(root.created_at)
