"""Inputs of the invoice, write-off and Stripe verification mutations, and their builders."""

from __future__ import annotations

import strawberry
from strawberry import UNSET
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON

from apps.billing.services.invoices import InvoiceInput, PayerInput, WriteOffLine
from apps.core.inputs import UNSET as NOT_SENT
from schema.billing.invoice_types import WriteOffKind
from schema.payloads import provided
from schema.scheduling.types import AppointmentTypeCreditInput


@strawberry.input(name="RequestedPayerInput")
class RequestedPayerInput:
    id: strawberry.ID | None = UNSET
    name: str | None = UNSET
    email: str | None = UNSET
    address: str | None = UNSET


@strawberry.input(name="RequestedPaymentTemplateInput", description="Invoice templates are not available here.")
class RequestedPaymentTemplateInput:
    id: strawberry.ID | None = UNSET
    name: str | None = UNSET
    active_template: bool | None = UNSET


@strawberry.input(name="WriteOffInput")
class WriteOffInput:
    amount: float
    write_off_type: WriteOffKind
    id: strawberry.ID | None = UNSET
    other_reason: str | None = UNSET
    _destroy: bool | None = UNSET


@strawberry.input(name="createRequestedPaymentInput")
class CreateRequestedPaymentInput:
    appointment_id: strawberry.ID | None = UNSET
    cms1500_id: strawberry.ID | None = UNSET
    invoice_type: str | None = UNSET
    is_preview: bool | None = UNSET
    metadata: JSON | None = UNSET
    notes: str | None = UNSET
    offering_id: strawberry.ID | None = UNSET
    price: str | None = UNSET
    recipient_id: strawberry.ID | None = UNSET
    requested_payer: RequestedPayerInput | None = UNSET
    requested_payment_template: RequestedPaymentTemplateInput | None = UNSET
    sender_id: strawberry.ID | None = UNSET
    service_date: str | None = UNSET
    services_provided: str | None = UNSET
    status: str | None = UNSET
    user_package_selection_id: strawberry.ID | None = UNSET
    write_offs: list[WriteOffInput | None] | None = UNSET


@strawberry.input(name="updateRequestedPaymentInput")
class UpdateRequestedPaymentInput:
    id: strawberry.ID | None = UNSET
    appointment_id: strawberry.ID | None = UNSET
    cms1500_id: strawberry.ID | None = UNSET
    invoice_type: str | None = UNSET
    is_preview: bool | None = UNSET
    is_manually_paid: bool | None = strawberry.field(
        default=UNSET, description="Marks the invoice paid outside the platform (or takes that back).")
    metadata: JSON | None = UNSET
    notes: str | None = UNSET
    offering_id: strawberry.ID | None = UNSET
    price: str | None = UNSET
    recipient_id: strawberry.ID | None = UNSET
    requested_payer: RequestedPayerInput | None = UNSET
    requested_payment_template: RequestedPaymentTemplateInput | None = UNSET
    resend_receipt: bool | None = UNSET
    send_request_email: bool | None = UNSET
    sender_id: strawberry.ID | None = UNSET
    service_date: str | None = UNSET
    services_provided: str | None = UNSET
    status: str | None = UNSET
    use_as_template: bool | None = UNSET
    user_package_selection_id: strawberry.ID | None = UNSET
    write_offs: list[WriteOffInput | None] | None = UNSET


@strawberry.input(name="deleteRequestedPaymentInput")
class DeleteRequestedPaymentInput:
    id: strawberry.ID | None = UNSET


@strawberry.input(name="createWriteOffInput")
class CreateWriteOffInput:
    requested_payment_id: strawberry.ID
    write_off_type: WriteOffKind
    amount: float
    other_reason: str | None = UNSET


@strawberry.input(name="updateWriteOffInput")
class UpdateWriteOffInput:
    id: strawberry.ID
    requested_payment_id: strawberry.ID | None = UNSET
    write_off_type: WriteOffKind | None = UNSET
    amount: float | None = UNSET
    other_reason: str | None = UNSET


@strawberry.input(name="deleteWriteOffInput")
class DeleteWriteOffInput:
    id: strawberry.ID | None = UNSET


@strawberry.input(name="ClientLocationInput")
class ClientLocationInput:
    id: strawberry.ID | None = UNSET
    name: str | None = UNSET
    line1: str | None = UNSET
    line2: str | None = UNSET
    city: str | None = UNSET
    state: str | None = UNSET
    zip: str | None = UNSET
    country: str | None = UNSET
    _destroy: bool | None = UNSET


@strawberry.input(name="updateStripeVerificationDetailsInput")
class UpdateStripeVerificationDetailsInput:
    account_holder_name: str | None = UNSET
    account_number: str | None = UNSET
    additional_verification_document: Upload | None = UNSET
    appointment_type_credits_attributes: list[AppointmentTypeCreditInput | None] | None = UNSET
    bank_verification_document: Upload | None = UNSET
    business_description: str | None = UNSET
    business_name: str | None = UNSET
    business_tax_id: strawberry.ID | None = UNSET
    business_url: str | None = UNSET
    company_verification_document: Upload | None = UNSET
    currency: str | None = UNSET
    dob: str | None = UNSET
    email: str | None = UNSET
    entity_type: str | None = UNSET
    first_name: str | None = UNSET
    id: strawberry.ID | None = UNSET
    last_name: str | None = UNSET
    location: ClientLocationInput | None = UNSET
    new_country: str | None = UNSET
    personal_address: ClientLocationInput | None = UNSET
    personal_phone: str | None = UNSET
    phone: str | None = UNSET
    routing_number: str | None = UNSET
    skip_adding_bank_info: bool | None = UNSET
    ssn: str | None = UNSET
    ssn_last_4: str | None = UNSET
    verification_document: Upload | None = UNSET


# ---- builders ---------------------------------------------------------------------------


def _lines(raw: list | None) -> list[WriteOffLine] | None:
    if raw is None:
        return None
    lines = []
    for line in raw:
        if line is None:
            continue
        values = provided(line)
        kind = values.get("write_off_type")
        lines.append(WriteOffLine(amount=values.get("amount"), write_off_type=kind.value if kind else None,
                                  other_reason=values.get("other_reason", NOT_SENT), id=values.get("id", NOT_SENT),
                                  destroy=bool(values.get("_destroy"))))
    return lines


def invoice_input(data: CreateRequestedPaymentInput | UpdateRequestedPaymentInput | None) -> InvoiceInput:
    values = provided(data)
    payer = values.pop("requested_payer", NOT_SENT)
    if payer is not None and payer is not NOT_SENT:
        payer = PayerInput(**provided(payer))
    lines = _lines(values.pop("write_offs")) if "write_offs" in values else NOT_SENT
    flags = {"send_request_email": bool(values.pop("send_request_email", False)),
             "resend_receipt": bool(values.pop("resend_receipt", False))}
    values.pop("id", None)
    values.pop("use_as_template", None)
    if values.get("requested_payment_template") is not None:
        values["requested_payment_template"] = PayerInput(id=provided(values["requested_payment_template"]).get(
            "id", NOT_SENT))
    return InvoiceInput(**values, requested_payer=payer, write_offs=lines, **flags)
