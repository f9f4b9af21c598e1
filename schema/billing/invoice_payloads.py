"""Payloads of the invoice, write-off and Stripe verification mutations.

Seed 002 shows ``requestedPayment`` on every invoice payload; the published schema names the
update and delete ones ``requested_payment``: both are filled.
"""

from __future__ import annotations

from schema.accounts.types import UserType
from schema.billing.invoice_types import RequestedPaymentType, WriteOffType
from schema.payloads import payload_type

CreateRequestedPaymentPayload = payload_type("createRequestedPaymentPayload", requestedPayment=RequestedPaymentType)
UpdateRequestedPaymentPayload = payload_type("updateRequestedPaymentPayload", requestedPayment=RequestedPaymentType,
                                             requested_payment=RequestedPaymentType)
DeleteRequestedPaymentPayload = payload_type("deleteRequestedPaymentPayload", requestedPayment=RequestedPaymentType,
                                             requested_payment=RequestedPaymentType)
CreateWriteOffPayload = payload_type("createWriteOffPayload", writeOff=WriteOffType)
UpdateWriteOffPayload = payload_type("updateWriteOffPayload", writeOff=WriteOffType)
DeleteWriteOffPayload = payload_type("deleteWriteOffPayload", write_off=WriteOffType, writeOff=WriteOffType)
UpdateStripeVerificationDetailsPayload = payload_type("updateStripeVerificationDetailsPayload", user=UserType)
