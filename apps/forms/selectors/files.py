"""Scoped reads of answers and their file attachments: what ``visible_answer_groups`` allows."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.viewer import Viewer
from apps.forms.models import FormAnswer, FormAnswerFileAttachment
from apps.forms.selectors.answers import visible_answer_groups


def visible_answers(viewer: Viewer) -> QuerySet[FormAnswer]:
    return FormAnswer.objects.filter(form_answer_group__in=visible_answer_groups(viewer))


def visible_answer_files(viewer: Viewer) -> QuerySet[FormAnswerFileAttachment]:
    return FormAnswerFileAttachment.objects.filter(form_answer__form_answer_group__in=visible_answer_groups(viewer))
