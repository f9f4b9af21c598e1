"""Billing (issue 11): payment methods, payments, refunds and disputes (items); packages,
coupons, products and recurring payments (packages); invoices, write-offs and checkout
payments (invoices). Each area's Query and Mutation are merged into one of each here."""

from strawberry.tools import merge_types

from schema.billing.item_mutations import Mutation as ItemMutation
from schema.billing.item_queries import Query as ItemQuery

Query = merge_types("BillingQuery", (ItemQuery,))
Mutation = merge_types("BillingMutation", (ItemMutation,))

__all__ = ["Mutation", "Query"]
