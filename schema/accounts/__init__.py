from schema.accounts.mutations import Mutation
from schema.accounts.queries import Query
from schema.accounts.subscriptions import Subscription
from schema.permissions import register_public

# A client building its own set-password screen checks the link first (the published name).
register_public("validateSignupToken")

__all__ = ["Mutation", "Query", "Subscription"]
