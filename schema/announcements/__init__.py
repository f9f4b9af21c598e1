"""Provider announcements: the documented example of cursor pagination."""

from schema.announcements.mutations import Mutation
from schema.announcements.queries import Query

__all__ = ["Mutation", "Query"]
