"""STAND-IN written by helper "charting" so its branch builds: helper "templates" owns this module
and its full CustomModuleForm / CustomModule types replace this file at merge."""

from __future__ import annotations

import strawberry
import strawberry_django

from apps.forms import models


@strawberry_django.type(models.CustomModuleForm, name="CustomModuleForm")
class CustomModuleFormType:
    id: strawberry.ID
    name: str | None
    use_for_charting: bool | None
    custom_instructions: str | None
