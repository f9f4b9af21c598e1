"""Billing (issue 11): payment methods and charges (items), packages, coupons, products and
recurring payments (packages), invoices, write-offs, checkout payments and the Stripe account
(invoices); each area's Query and Mutation merged into one of each for the schema."""

from strawberry.tools import merge_types

from schema.billing.invoice_mutations import Mutation as InvoiceMutation
from schema.billing.invoice_queries import Query as InvoiceQuery
from schema.permissions import register_public

# A third-party payer without an account opens its invoice with the invoice number and its own uuid
# (seed 002); the resolver answers anonymous callers nothing else (selectors.invoices.invoice_for_payer).
register_public("requestedPayment")

Query = merge_types("BillingQuery", (InvoiceQuery,))
Mutation = merge_types("BillingMutation", (InvoiceMutation,))

__all__ = ["Mutation", "Query"]
