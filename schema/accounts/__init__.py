from schema.accounts.mutations import Mutation
from schema.accounts.queries import Query
from schema.accounts.subscriptions import Subscription

__all__ = ["Mutation", "Query", "Subscription"]
