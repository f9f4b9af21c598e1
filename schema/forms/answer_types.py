"""Stand-in owned by the answers part (replaced at merge): the few FormAnswerGroup fields the
request types name."""

from __future__ import annotations

import strawberry
import strawberry_django

from apps.forms import models


@strawberry_django.type(models.FormAnswerGroup, name="FormAnswerGroup")
class FormAnswerGroupType:
    id: strawberry.ID
    name: str
    finished: bool
