"""Billing (issue 11): payment methods and charges (item_*), packages, coupons, products and
recurring payments (package_*), invoices and checkout (invoice_*), each area's Query and
Mutation merged into one of each for the schema."""

from strawberry.tools import merge_types

from schema.billing.package_mutations import Mutation as PackageMutation
from schema.billing.package_queries import Query as PackageQuery

Query = merge_types("BillingQuery", (PackageQuery,))
Mutation = merge_types("BillingMutation", (PackageMutation,))

__all__ = ["Mutation", "Query"]
