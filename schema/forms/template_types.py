"""Stand-in owned by the templates part (replaced at merge): the few CustomModuleForm fields the
onboarding and request types name."""

from __future__ import annotations

import strawberry
import strawberry_django

from apps.forms import models


@strawberry_django.type(models.CustomModuleForm, name="CustomModuleForm")
class CustomModuleFormType:
    id: strawberry.ID
    name: str
    use_for_charting: bool
