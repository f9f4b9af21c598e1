"""Billing (issue 11): payment methods, payments, refunds and disputes (item_*); packages,
coupons, products and recurring payments (package_*); invoices, write-offs and checkout
payments (invoice_*). Each area's Query and Mutation are merged into one of each here."""

from strawberry.tools import merge_types

from schema.billing.item_mutations import Mutation as ItemMutation
from schema.billing.item_queries import Query as ItemQuery
from schema.billing.package_mutations import Mutation as PackageMutation
from schema.billing.package_queries import Query as PackageQuery

Query = merge_types("BillingQuery", (ItemQuery, PackageQuery))
Mutation = merge_types("BillingMutation", (ItemMutation, PackageMutation))

__all__ = ["Mutation", "Query"]
