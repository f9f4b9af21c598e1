"""Invoice, write-off and Stripe verification mutations: one service call each, mapped by
``schema.payloads.run``."""

from __future__ import annotations

import strawberry

from apps.billing.services import invoices, stripe_info, write_offs
from schema.billing import invoice_inputs as inputs
from schema.billing.invoice_payloads import (
    CreateRequestedPaymentPayload,
    CreateWriteOffPayload,
    DeleteRequestedPaymentPayload,
    DeleteWriteOffPayload,
    UpdateRequestedPaymentPayload,
    UpdateStripeVerificationDetailsPayload,
    UpdateWriteOffPayload,
)
from schema.context import Info
from schema.payloads import provided, run


def _both(invoice) -> dict:
    return {"requestedPayment": invoice, "requested_payment": invoice}


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Invoices a patient (recipient_id) or a third-party payer (requested_payer) "
                                     "for a package (price defaults to the package's) or other services.")
    def createRequestedPayment(  # noqa: N802
        self, info: Info, input: inputs.CreateRequestedPaymentInput | None = None,
    ) -> CreateRequestedPaymentPayload:
        data = inputs.invoice_input(input)
        return run(CreateRequestedPaymentPayload, lambda: invoices.invoice_create(info.context.viewer, data),
                   "requestedPayment")

    @strawberry.mutation(description="Changes an invoice, (re)sends it (send_request_email) or its receipt "
                                     "(resend_receipt); its status follows its payments and write-offs.")
    def updateRequestedPayment(  # noqa: N802
        self, info: Info, input: inputs.UpdateRequestedPaymentInput | None = None,
    ) -> UpdateRequestedPaymentPayload:
        invoice_id = provided(input).get("id")
        data = inputs.invoice_input(input)
        return run(UpdateRequestedPaymentPayload,
                   lambda: _both(invoices.invoice_update(info.context.viewer, invoice_id, data)))

    @strawberry.mutation(description="Deletes an invoice without payments (soft delete).")
    def deleteRequestedPayment(  # noqa: N802
        self, info: Info, input: inputs.DeleteRequestedPaymentInput | None = None,
    ) -> DeleteRequestedPaymentPayload:
        invoice_id = provided(input).get("id")
        return run(DeleteRequestedPaymentPayload,
                   lambda: _both(invoices.invoice_delete(info.context.viewer, invoice_id)))

    @strawberry.mutation(description="Writes off part or all of an invoice's open balance.")
    def createWriteOff(  # noqa: N802
        self, info: Info, input: inputs.CreateWriteOffInput | None = None,
    ) -> CreateWriteOffPayload:
        values = provided(input)
        kind = values.get("write_off_type")
        return run(CreateWriteOffPayload, lambda: write_offs.write_off_create(
            info.context.viewer, requested_payment_id=values.get("requested_payment_id"), amount=values.get("amount"),
            write_off_type=kind.value if kind else None, other_reason=values.get("other_reason")), "writeOff")

    @strawberry.mutation(description="Changes a write-off's amount, type or reason.")
    def updateWriteOff(  # noqa: N802
        self, info: Info, input: inputs.UpdateWriteOffInput | None = None,
    ) -> UpdateWriteOffPayload:
        values = provided(input)
        if values.get("write_off_type") is not None:
            values["write_off_type"] = values["write_off_type"].value
        write_off_id = values.pop("id", None)
        return run(UpdateWriteOffPayload, lambda: write_offs.write_off_update(
            info.context.viewer, write_off_id=write_off_id, **values), "writeOff")

    @strawberry.mutation(description="Removes a write-off; the invoice's balance and status follow.")
    def deleteWriteOff(  # noqa: N802
        self, info: Info, input: inputs.DeleteWriteOffInput | None = None,
    ) -> DeleteWriteOffPayload:
        write_off_id = provided(input).get("id")

        def delete() -> dict:
            removed = write_offs.write_off_delete(info.context.viewer, write_off_id=write_off_id)
            return {"write_off": removed, "writeOff": removed}

        return run(DeleteWriteOffPayload, delete)

    @strawberry.mutation(description="Not available: verification details and bank accounts are managed in the "
                                     "organization's Stripe dashboard (answers with a messages entry).")
    def updateStripeVerificationDetails(  # noqa: N802
        self, info: Info, input: inputs.UpdateStripeVerificationDetailsInput | None = None,
    ) -> UpdateStripeVerificationDetailsPayload:
        return run(UpdateStripeVerificationDetailsPayload,
                   lambda: stripe_info.update_verification_details(info.context.viewer), "user")
