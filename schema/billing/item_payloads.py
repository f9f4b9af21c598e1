"""Payloads of the payment-method, payment and dispute mutations (each with ``messages``)."""

from __future__ import annotations

from schema.billing.item_types import BillingItemType, ChargeBackType, StripeCustomerDetailType
from schema.payloads import payload_type

CreateStripeCustomerDetailPayload = payload_type("createStripeCustomerDetailPayload",
                                                 stripe_customer_detail=StripeCustomerDetailType, stripeError=str)
UpdateStripeCustomerDetailPayload = payload_type("updateStripeCustomerDetailPayload",
                                                 stripe_customer_detail=StripeCustomerDetailType)
DeleteStripeCustomerDetailPayload = payload_type("deleteStripeCustomerDetailPayload",
                                                 stripe_customer_detail=StripeCustomerDetailType)
CreateSetupIntentPayload = payload_type("createSetupIntentPayload", intentClientSecret=str)
CreatePaymentIntentPayload = payload_type("createPaymentIntentPayload", intentClientSecret=str)
CreateBillingItemPayload = payload_type("createBillingItemPayload", billingItem=BillingItemType, stripeError=str)
UpdateBillingItemPayload = payload_type("updateBillingItemPayload", billingItem=BillingItemType)
DeleteBillingItemPayload = payload_type("deleteBillingItemPayload", billingItem=BillingItemType)
BulkUpdateCardIssuesPayload = payload_type("bulkUpdateCardIssuesPayload",
                                           card_issues=list[StripeCustomerDetailType | None])
UpdateChargeBackPayload = payload_type("updateChargeBackPayload", charge_back=ChargeBackType)
