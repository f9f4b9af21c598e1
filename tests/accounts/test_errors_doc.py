"""docs/errors.md runs: every ```graphql example with an ``# as: <role>`` line is sent as that role,
and the answer must be the ```json block that follows it, exactly."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

DOC = Path(settings.BASE_DIR) / "docs" / "errors.md"
BLOCK = re.compile(r"```(graphql|json)\n(.*?)```", re.S)


def examples() -> list[tuple[str, str, str]]:
    """(role, document, expected JSON) for each runnable example, in the order of the page."""
    found, pending = [], None
    for kind, text in BLOCK.findall(DOC.read_text(encoding="utf-8")):
        role = re.match(r"# as: (\w+)\n", text)
        if kind == "graphql":
            pending = (role.group(1), text) if role else None
        elif pending is not None:
            found.append((*pending, text))
            pending = None
    return found


def test_the_page_has_runnable_examples():
    roles = [role for role, _, _ in examples()]
    assert len(roles) >= 5 and set(roles) <= {"owner", "provider", "staff", "patient"}


@pytest.mark.parametrize("role,document,expected", examples(),
                         ids=[f"example{i}-{e[0]}" for i, e in enumerate(examples(), 1)])
def test_example_answers_as_documented(gql, world, keys, role, document, expected):
    assert gql(document, key=keys[role]) == json.loads(expected)
