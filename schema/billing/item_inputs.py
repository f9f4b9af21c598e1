"""Inputs of the payment-method, payment and dispute mutations, spelled as the published API
spells them, and their builders of the services' typed inputs. Datetimes and amounts are
``String`` (the baseline version's types)."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry import UNSET
from strawberry.file_uploads import Upload

from apps.billing.services.items import ItemCreate, ItemUpdate, PaymentIntentCreate


@strawberry.enum(name="BillingItemOrderKeys")
class BillingItemOrderKeys(Enum):
    CREATED_AT_ASC = "created_at_asc"
    CREATED_AT_DESC = "created_at_desc"
    UPDATED_AT_ASC = "updated_at_asc"
    UPDATED_AT_DESC = "updated_at_desc"
    AMOUNT_PAID_DESC = "amount_paid_desc"
    AMOUNT_PAID_ASC = "amount_paid_asc"
    PATIENT_FIRST_NAME_ASC = "patient_first_name_asc"
    PATIENT_FIRST_NAME_DESC = "patient_first_name_desc"
    PROVIDER_FIRST_NAME_ASC = "provider_first_name_asc"
    PROVIDER_FIRST_NAME_DESC = "provider_first_name_desc"
    METHOD_ASC = "method_asc"
    METHOD_DESC = "method_desc"
    STATE_ASC = "state_asc"
    STATE_DESC = "state_desc"


@strawberry.enum(name="StripeCustomerDetailOrderKeys")
class StripeCustomerDetailOrderKeys(Enum):
    EXPIRATION_DATE_DESC = "expiration_date_desc"
    EXPIRATION_DATE_ASC = "expiration_date_asc"
    PATIENT_FIRST_NAME_ASC = "patient_first_name_asc"
    PATIENT_FIRST_NAME_DESC = "patient_first_name_desc"
    CREATED_AT_ASC = "created_at_asc"
    CREATED_AT_DESC = "created_at_desc"


@strawberry.enum(name="ChargeBackOrderKeys")
class ChargeBackOrderKeys(Enum):
    CREATED_AT_DESC = "created_at_desc"
    CREATED_AT_ASC = "created_at_asc"
    UPDATED_AT_DESC = "updated_at_desc"
    UPDATED_AT_ASC = "updated_at_asc"


@strawberry.input(name="createStripeCustomerDetailInput")
class CreateStripeCustomerDetailInput:
    token: str | None = strawberry.field(default=UNSET, description="The card token Stripe.js created (tok_...), "
                                         "or the payment method (pm_...) of a confirmed SetupIntent.")
    card_type_label: str | None = strawberry.field(default=UNSET, description="personal (default), hsa or fsa.")
    user_id: strawberry.ID | None = UNSET
    is_default: bool | None = UNSET


@strawberry.input(name="updateStripeCustomerDetailInput")
class UpdateStripeCustomerDetailInput:
    id: strawberry.ID | None = UNSET
    user_id: strawberry.ID | None = UNSET
    card_type_label: str | None = UNSET
    is_default: bool | None = UNSET
    first_microdeposit: str | None = strawberry.field(default=UNSET, description="Bank accounts are not "
                                                      "available: sending this answers a message.")
    second_microdeposit: str | None = strawberry.field(default=UNSET, description="Bank accounts are not "
                                                       "available: sending this answers a message.")


@strawberry.input(name="deleteStripeCustomerDetailInput")
class DeleteStripeCustomerDetailInput:
    card_id: strawberry.ID | None = strawberry.field(default=UNSET, description="The card's id, or Stripe's id "
                                                     "of it (card_... / pm_...).")
    user_id: strawberry.ID | None = UNSET


@strawberry.input(name="createSetupIntentInput")
class CreateSetupIntentInput:
    stripe_idempotency_key: str | None = UNSET
    provider_id: strawberry.ID | None = UNSET
    organization_id: strawberry.ID | None = UNSET
    email: str | None = UNSET
    first_name: str | None = UNSET
    last_name: str | None = UNSET
    legal_name: str | None = UNSET
    phone_number: str | None = UNSET
    timezone: str | None = UNSET


@strawberry.input(name="createBillingItemInput")
class CreateBillingItemInput:
    amount_paid: str | None = UNSET
    created_at: str | None = UNSET
    metadata: str | None = UNSET
    note: str | None = UNSET
    offering_coupon_id: strawberry.ID | None = UNSET
    offering_id: strawberry.ID | None = UNSET
    payment_due_date: str | None = UNSET
    payment_medium: str | None = UNSET
    recipient_id: strawberry.ID | None = UNSET
    requested_payer_id: strawberry.ID | None = UNSET
    requested_payment_id: strawberry.ID | None = UNSET
    sender_id: strawberry.ID | None = UNSET
    should_charge: bool | None = UNSET
    stripe_customer_detail_id: strawberry.ID | None = UNSET
    # String, as the documented operation declares the variable (the reference later made it ID).
    stripe_idempotency_key: str | None = UNSET
    user_package_selection_id: strawberry.ID | None = UNSET


@strawberry.input(name="updateBillingItemInput")
class UpdateBillingItemInput:
    id: strawberry.ID | None = UNSET
    amount_paid: str | None = UNSET
    chosen_refund_amount: str | None = UNSET
    created_at: str | None = UNSET
    is_canceled: bool | None = UNSET
    is_paused: bool | None = UNSET
    metadata: str | None = UNSET
    new_payment_date: str | None = UNSET
    note: str | None = UNSET
    payment_medium: str | None = UNSET
    recipient_id: strawberry.ID | None = UNSET
    resend_payment: bool | None = UNSET
    resend_receipt: bool | None = UNSET
    sender_id: strawberry.ID | None = UNSET
    stripe_idempotency_key: str | None = UNSET


@strawberry.input(name="deleteBillingItemInput")
class DeleteBillingItemInput:
    id: strawberry.ID | None = UNSET


@strawberry.input(name="createPaymentIntentInput")
class CreatePaymentIntentInput:
    amount_to_pay: str | None = UNSET
    coupon_code: str | None = UNSET
    currency: str | None = UNSET
    offering_id: strawberry.ID | None = UNSET
    recipient_id: strawberry.ID | None = UNSET
    stripe_idempotency_key: str | None = UNSET
    payment_method_types: list[str | None] | None = UNSET
    email: str | None = UNSET
    first_name: str | None = UNSET
    last_name: str | None = UNSET
    legal_name: str | None = UNSET
    phone_number: str | None = UNSET
    timezone: str | None = UNSET


@strawberry.input(name="bulkUpdateCardIssuesInput")
class BulkUpdateCardIssuesInput:
    mark_all_as_seen: bool | None = UNSET


@strawberry.input(name="ChargeBackEvidenceInput")
class ChargeBackEvidenceInput:
    billing_address: str | None = UNSET
    cancellation_policy: Upload | None = UNSET
    cancellation_policy_disclosure: str | None = UNSET
    cancellation_rebuttal: str | None = UNSET
    customer_communication: Upload | None = UNSET
    customer_email_address: str | None = UNSET
    customer_name: str | None = UNSET
    product_description: str | None = UNSET
    refund_policy: Upload | None = UNSET
    refund_policy_disclosure: str | None = UNSET
    refund_refusal_explanation: str | None = UNSET
    uncategorized_file: Upload | None = UNSET
    uncategorized_text: str | None = UNSET


@strawberry.input(name="updateChargeBackInput")
class UpdateChargeBackInput:
    id: strawberry.ID | None = UNSET
    charge_back_evidence: ChargeBackEvidenceInput | None = UNSET
    final_submission: bool | None = False


def _fields(cls: type, values: dict) -> dict:
    names = cls.__dataclass_fields__
    return {k: v for k, v in values.items() if k in names}


def item_create(values: dict) -> ItemCreate:
    data = _fields(ItemCreate, values)
    data["should_charge"] = bool(values.get("should_charge"))
    return ItemCreate(**data)


def item_update(values: dict) -> ItemUpdate:
    return ItemUpdate(**_fields(ItemUpdate, values))


def payment_intent_create(values: dict) -> PaymentIntentCreate:
    return PaymentIntentCreate(**_fields(PaymentIntentCreate, values))
