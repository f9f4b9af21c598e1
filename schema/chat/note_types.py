"""Minimal ``Note`` type (owned by the notes helper, whose full version replaces this file at merge)."""

from __future__ import annotations

import strawberry
import strawberry_django

from apps.chat import models
from apps.core.timefmt import format_datetime


@strawberry_django.type(models.Note, name="Note")
class NoteType:
    id: strawberry.ID
    content: str | None

    @strawberry_django.field(only=["user_id"])
    def user_id(self, root: models.Note) -> strawberry.ID | None:
        return strawberry.ID(str(root.user_id)) if root.user_id else None

    @strawberry_django.field(only=["conversation_id"])
    def conversation_id(self, root: models.Note) -> strawberry.ID | None:
        return strawberry.ID(str(root.conversation_id)) if root.conversation_id else None

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.Note) -> str:
        return format_datetime(root.created_at)
