from schema.chat.mutations import Mutation
from schema.chat.queries import Query
from schema.chat.subscriptions import Subscription

__all__ = ["Mutation", "Query", "Subscription"]
