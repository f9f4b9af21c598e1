"""Payment-method, payment and dispute mutations: one service call each, mapped by
``schema.payloads.run``. A decline also fills ``stripeError`` with Stripe's decline code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry

from apps.billing import gateway
from apps.billing.services import cards, items, refunds
from schema.billing import item_inputs as inputs
from schema.billing import item_payloads as payloads
from schema.context import Info
from schema.payloads import provided, run


def _with_decline(payload: type, call: Callable[[], Any], field: str) -> Any:
    """``run`` that also reports the decline code of a refused card in ``stripeError``."""
    declined: list[str] = []

    def call_noting_declines() -> Any:
        try:
            return call()
        except gateway.PaymentDeclined as error:
            declined.append(error.decline_code or "card_declined")
            raise

    result = run(payload, call_noting_declines, field)
    if declined:
        result.stripeError = declined[0]
    return result


def _evidence(values: dict) -> dict:
    return provided(values.get("charge_back_evidence"))


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Stores a patient's card from a Stripe.js token (or a confirmed SetupIntent's "
                                     "payment method). The first card is the default.")
    def createStripeCustomerDetail(  # noqa: N802
        self, info: Info, input: inputs.CreateStripeCustomerDetailInput | None = None,
    ) -> payloads.CreateStripeCustomerDetailPayload:
        values = provided(input)
        return _with_decline(payloads.CreateStripeCustomerDetailPayload, lambda: cards.card_create(
            info.context.viewer, user_id=values.get("user_id"), token=values.get("token"),
            card_type_label=values.get("card_type_label"), is_default=values.get("is_default")),
            "stripe_customer_detail")

    @strawberry.mutation(description="Changes a stored card's label or makes it the patient's default.")
    def updateStripeCustomerDetail(  # noqa: N802
        self, info: Info, input: inputs.UpdateStripeCustomerDetailInput | None = None,
    ) -> payloads.UpdateStripeCustomerDetailPayload:
        values = provided(input)
        return run(payloads.UpdateStripeCustomerDetailPayload, lambda: cards.card_update(
            info.context.viewer, card_id=values.get("id"), user_id=values.get("user_id"),
            card_type_label=values.get("card_type_label"), is_default=values.get("is_default"),
            first_microdeposit=values.get("first_microdeposit"),
            second_microdeposit=values.get("second_microdeposit")), "stripe_customer_detail")

    @strawberry.mutation(description="Removes a stored card (detached on Stripe).")
    def deleteStripeCustomerDetail(  # noqa: N802
        self, info: Info, input: inputs.DeleteStripeCustomerDetailInput | None = None,
    ) -> payloads.DeleteStripeCustomerDetailPayload:
        values = provided(input)
        return run(payloads.DeleteStripeCustomerDetailPayload, lambda: cards.card_delete(
            info.context.viewer, card_id=values.get("card_id"), user_id=values.get("user_id")),
            "stripe_customer_detail")

    @strawberry.mutation(description="A SetupIntent for the signed-in patient's browser to save a card with "
                                     "(3-D Secure); store its payment method with createStripeCustomerDetail.")
    def createSetupIntent(  # noqa: N802
        self, info: Info, input: inputs.CreateSetupIntentInput | None = None,
    ) -> payloads.CreateSetupIntentPayload:
        values = provided(input)
        return run(payloads.CreateSetupIntentPayload, lambda: cards.setup_intent_create(
            info.context.viewer, stripe_idempotency_key=values.get("stripe_idempotency_key"),
            provider_id=values.get("provider_id"), organization_id=values.get("organization_id")),
            "intentClientSecret")

    @strawberry.mutation(description="Charges a patient's stored card (should_charge) or records an outside "
                                     "payment; may pay an invoice or buy a package.")
    def createBillingItem(  # noqa: N802
        self, info: Info, input: inputs.CreateBillingItemInput | None = None,
    ) -> payloads.CreateBillingItemPayload:
        values = provided(input)
        return _with_decline(payloads.CreateBillingItemPayload, lambda: items.item_create(
            info.context.viewer, inputs.item_create(values)), "billingItem")

    @strawberry.mutation(description="A PaymentIntent the signed-in patient confirms in the browser (3-D Secure); "
                                     "the payment is recorded when Stripe reports it succeeded.")
    def createPaymentIntent(  # noqa: N802
        self, info: Info, input: inputs.CreatePaymentIntentInput | None = None,
    ) -> payloads.CreatePaymentIntentPayload:
        values = provided(input)
        return run(payloads.CreatePaymentIntentPayload, lambda: items.payment_intent_create(
            info.context.viewer, inputs.payment_intent_create(values)), "intentClientSecret")

    @strawberry.mutation(description="Refunds (chosen_refund_amount), retries a failed payment (resend_payment), "
                                     "resends the receipt, edits an outside payment, or cancels, pauses or moves "
                                     "the recurring payment the item belongs to.")
    def updateBillingItem(  # noqa: N802
        self, info: Info, input: inputs.UpdateBillingItemInput | None = None,
    ) -> payloads.UpdateBillingItemPayload:
        values = provided(input)
        return _with_decline(payloads.UpdateBillingItemPayload, lambda: items.item_update(
            info.context.viewer, inputs.item_update(values)), "billingItem")

    @strawberry.mutation(description="Soft-deletes a payment (a card payment must be refunded first).")
    def deleteBillingItem(  # noqa: N802
        self, info: Info, input: inputs.DeleteBillingItemInput | None = None,
    ) -> payloads.DeleteBillingItemPayload:
        values = provided(input)
        return run(payloads.DeleteBillingItemPayload, lambda: items.item_delete(info.context.viewer,
                                                                                values.get("id")), "billingItem")

    @strawberry.mutation(description="Marks every current card issue (expiring or failed cards) as seen.")
    def bulkUpdateCardIssues(  # noqa: N802
        self, info: Info, input: inputs.BulkUpdateCardIssuesInput | None = None,
    ) -> payloads.BulkUpdateCardIssuesPayload:
        values = provided(input)
        return run(payloads.BulkUpdateCardIssuesPayload, lambda: cards.card_issues_mark_seen(
            info.context.viewer, mark_all_as_seen=values.get("mark_all_as_seen")), "card_issues")

    @strawberry.mutation(description="Sends a dispute's text evidence to Stripe (final_submission submits it).")
    def updateChargeBack(  # noqa: N802
        self, info: Info, input: inputs.UpdateChargeBackInput | None = None,
    ) -> payloads.UpdateChargeBackPayload:
        values = provided(input)
        return run(payloads.UpdateChargeBackPayload, lambda: refunds.charge_back_update(
            info.context.viewer, charge_back_id=values.get("id"), evidence=_evidence(values),
            final_submission=bool(values.get("final_submission"))), "charge_back")
