"""Billing (issue 11): payment methods, payments, refunds and disputes (item_*); packages,
coupons, products and recurring payments (package_*); invoices, write-offs, checkout payments and
the Stripe account (invoice_*). Each area's Query and Mutation are merged into one of each here."""

from strawberry.tools import merge_types

from schema.billing.invoice_mutations import Mutation as InvoiceMutation
from schema.billing.invoice_queries import Query as InvoiceQuery
from schema.billing.item_mutations import Mutation as ItemMutation
from schema.billing.item_queries import Query as ItemQuery
from schema.billing.package_mutations import Mutation as PackageMutation
from schema.billing.package_queries import Query as PackageQuery
from schema.permissions import register_public

# A third-party payer without an account opens its invoice with the invoice number and its own uuid
# (seed 002); the resolver answers anonymous callers nothing else (selectors.invoices.invoice_for_payer).
register_public("requestedPayment")

Query = merge_types("BillingQuery", (ItemQuery, PackageQuery, InvoiceQuery))
Mutation = merge_types("BillingMutation", (ItemMutation, PackageMutation, InvoiceMutation))

__all__ = ["Mutation", "Query"]
