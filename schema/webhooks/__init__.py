from schema.webhooks.mutations import Mutation
from schema.webhooks.queries import Query
from schema.webhooks.subscriptions import Subscription

__all__ = ["Mutation", "Query", "Subscription"]
