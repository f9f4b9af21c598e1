"""Stand-in (helper "answers"): the smallest charting types a filled-out form refers to. Helper
"charting" owns this module; its version replaces this one at merge."""

from __future__ import annotations

import strawberry
import strawberry_django

from apps.forms import models


@strawberry_django.type(models.FormAnswerGroupSigning, name="FormAnswerGroupSigning")
class FormAnswerGroupSigningType:
    id: strawberry.ID


@strawberry_django.type(models.ChartingNoteAddendum, name="ChartingNoteAddendumType")
class ChartingNoteAddendumType:
    id: strawberry.ID
    content: str | None
