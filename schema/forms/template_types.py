"""Stand-in (helper "answers"): the smallest CustomModuleForm / CustomModule types filled-out forms
refer to. Helper "templates" owns this module; its version replaces this one at merge."""

from __future__ import annotations

import strawberry
import strawberry_django

from apps.forms import models


@strawberry_django.type(models.CustomModule, name="CustomModule")
class CustomModuleType:
    id: strawberry.ID
    mod_type: str | None
    label: str | None
    options: str | None
    required: bool | None
    hipaa_name: str | None


@strawberry_django.type(models.CustomModuleForm, name="CustomModuleForm")
class CustomModuleFormType:
    id: strawberry.ID
    name: str | None
    use_for_charting: bool | None
