"""Background work sources for ``python manage.py run_worker``.

Each app registers a source in its ``AppConfig.ready()``. A source claims its own
due rows (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL) and processes at
most ``limit`` of them, returning how many it handled. Nothing lives only in
memory: a source's state is its database rows, so a killed worker loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobSource:
    name: str
    run_batch: Callable[[int], int]


_SOURCES: dict[str, JobSource] = {}


def register(name: str, run_batch: Callable[[int], int]) -> None:
    _SOURCES[name] = JobSource(name, run_batch)


def sources() -> list[JobSource]:
    return list(_SOURCES.values())
