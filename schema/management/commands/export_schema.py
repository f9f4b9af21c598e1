from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


def schema_sdl() -> str:
    from schema.schema import schema

    return schema.as_str().rstrip() + "\n"


class Command(BaseCommand):
    help = "Writes the GraphQL schema (SDL) to docs/schema.graphql; a test fails when it is stale."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--path", default=str(Path(settings.BASE_DIR) / "docs" / "schema.graphql"))

    def handle(self, *args, **options) -> None:
        path = Path(options["path"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(schema_sdl(), encoding="utf-8")
        self.stdout.write(f"wrote {path}")
