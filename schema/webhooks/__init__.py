from schema.webhooks.mutations import Mutation
from schema.webhooks.queries import Query

__all__ = ["Mutation", "Query"]
