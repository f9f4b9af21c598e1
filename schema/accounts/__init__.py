from schema.accounts.mutations import Mutation
from schema.accounts.queries import Query

__all__ = ["Mutation", "Query"]
