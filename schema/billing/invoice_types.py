"""GraphQL types of invoices (``RequestedPayment``), third-party payers and write-offs, and of
the Stripe account information the invoices area answers."""

from __future__ import annotations

import json
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
import strawberry_django
from django.db.models import Prefetch

from apps.billing import models
from apps.billing.services import ledger
from apps.core.timefmt import format_datetime
from schema.accounts.types import UserType, shown_user_field
from schema.billing.visible_items import visible_items_of, visible_items_prefetch
from schema.scheduling.types import AppointmentObjectType

if TYPE_CHECKING:
    from schema.billing.item_types import BillingItemType
    from schema.billing.package_types import OfferingType, UserPackageSelectionType

LazyBillingItem = Annotated["BillingItemType", strawberry.lazy("schema.billing.item_types")]
LazyOffering = Annotated["OfferingType", strawberry.lazy("schema.billing.package_types")]
LazySelection = Annotated["UserPackageSelectionType", strawberry.lazy("schema.billing.package_types")]


@strawberry.enum(name="WriteOffType")
class WriteOffKind(Enum):
    DISCOUNT = "DISCOUNT"
    UNCOLLECTABLE = "UNCOLLECTABLE"
    FINANCIAL_HARDSHIP = "FINANCIAL_HARDSHIP"
    BILLING_ERROR = "BILLING_ERROR"
    OTHER = "OTHER"


@strawberry.enum(name="RequestedPaymentOrderKeys")
class RequestedPaymentOrderKeys(Enum):
    CLIENT_NAME_ASC = "CLIENT_NAME_ASC"
    CLIENT_NAME_DESC = "CLIENT_NAME_DESC"
    PROVIDER_NAME_ASC = "PROVIDER_NAME_ASC"
    PROVIDER_NAME_DESC = "PROVIDER_NAME_DESC"
    PRICE_ASC = "PRICE_ASC"
    PRICE_DESC = "PRICE_DESC"
    CREATED_AT_ASC = "CREATED_AT_ASC"
    CREATED_AT_DESC = "CREATED_AT_DESC"
    UPDATED_AT_ASC = "UPDATED_AT_ASC"
    UPDATED_AT_DESC = "UPDATED_AT_DESC"
    STATUS_ASC = "STATUS_ASC"
    STATUS_DESC = "STATUS_DESC"
    TYPE_ASC = "TYPE_ASC"
    TYPE_DESC = "TYPE_DESC"
    INVOICE_ID_ASC = "INVOICE_ID_ASC"
    INVOICE_ID_DESC = "INVOICE_ID_DESC"
    WRITE_OFF_AMOUNT_ASC = "WRITE_OFF_AMOUNT_ASC"
    WRITE_OFF_AMOUNT_DESC = "WRITE_OFF_AMOUNT_DESC"
    BALANCE_DUE_ASC = "BALANCE_DUE_ASC"
    BALANCE_DUE_DESC = "BALANCE_DUE_DESC"
    SERVICE_DATE_ASC = "SERVICE_DATE_ASC"
    SERVICE_DATE_DESC = "SERVICE_DATE_DESC"


def _str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _received(root: models.RequestedPayment) -> Decimal:
    value = getattr(root, "_received", None)
    return value if value is not None else ledger.amount_received(root)


def _written_off(root: models.RequestedPayment) -> Decimal:
    value = getattr(root, "_written_off", None)
    return value if value is not None else ledger.amount_written_off(root)


def _balance(root: models.RequestedPayment) -> Decimal:
    if root.is_manually_paid:
        return Decimal("0.00")
    return max(root.price - _received(root) - _written_off(root), Decimal("0.00"))


def _write_offs_prefetch(info: strawberry.Info) -> Prefetch:
    return Prefetch("write_offs", queryset=models.WriteOff.objects.filter(deleted_at=None).order_by("id"),
                    to_attr="_live_write_offs")


def _live_write_offs(root: models.RequestedPayment) -> list[models.WriteOff]:
    if hasattr(root, "_live_write_offs"):
        return root._live_write_offs
    return list(root.write_offs.filter(deleted_at=None).order_by("id"))


def _appointment_prefetch(info: strawberry.Info) -> Prefetch:
    from apps.scheduling.selectors import appointments_visible

    return Prefetch("appointment", queryset=appointments_visible(info.context.viewer), to_attr="_visible_appointment")


@strawberry_django.type(models.RequestedPayer, name="RequestedPayer")
class RequestedPayerType:
    id: strawberry.ID
    name: str | None
    email: str | None
    address: str | None


@strawberry_django.type(models.RequestedPayment, name="RequestedPayment")
class RequestedPaymentType:
    id: strawberry.ID
    invoice_id: str | None
    invoice_type: str | None
    is_manually_paid: bool | None
    is_preview: bool
    notes: str | None
    details: str | None
    services_provided: str | None
    status: str | None
    recipient: UserType | None = shown_user_field("recipient")
    sender: UserType | None = shown_user_field("sender")
    requested_payer: RequestedPayerType | None

    @strawberry_django.field(only=["offering_id"], select_related=["offering"])
    def offering(self, root: models.RequestedPayment) -> LazyOffering | None:
        offering = root.offering
        return offering if offering is not None and offering.deleted_at is None else None

    @strawberry_django.field(only=["user_package_selection_id"], select_related=["user_package_selection"])
    def user_package_selection(self, root: models.RequestedPayment) -> LazySelection | None:
        return root.user_package_selection

    @strawberry_django.field(prefetch_related=[visible_items_prefetch("billing_items", "_visible_items",
                                                                      newest_first=False)])
    def billing_items(self, root: models.RequestedPayment, info: strawberry.Info,
                      only_successful: bool | None = True) -> list[LazyBillingItem]:
        """The invoice's payments the caller may see, oldest first (``only_successful``: succeeded only)."""
        items = visible_items_of(root, "_visible_items", info, newest_first=False, requested_payment=root)
        return [i for i in items if not only_successful or i.state == models.BillingItem.SUCCEEDED]

    @strawberry_django.field(disable_optimization=True)
    def cursor(self, root) -> str | None:
        return getattr(root, "cursor", None)

    @strawberry_django.field(only=["price"])
    def price(self, root: models.RequestedPayment) -> str | None:
        return f"{root.price:.2f}"

    @strawberry_django.field(only=["currency"], description="ISO code, upper case (\"USD\").")
    def currency(self, root: models.RequestedPayment) -> str | None:
        return root.currency.upper()

    @strawberry_django.field(only=["price", "is_manually_paid"],
                             description="What is still owed: the price less payments (net of refunds) and "
                                         "write-offs.")
    def balance_due(self, root: models.RequestedPayment) -> float | None:
        return float(_balance(root))

    @strawberry_django.field(only=["price", "is_manually_paid"], deprecation_reason="use debt_decimal instead")
    def debt(self, root: models.RequestedPayment) -> int | None:
        return int(_balance(root))

    @strawberry_django.field(only=["price", "is_manually_paid"])
    def debt_decimal(self, root: models.RequestedPayment) -> float | None:
        return float(_balance(root))

    @strawberry_django.field(only=["price", "is_manually_paid"],
                             description="Share of the price received or written off, 0 to 100.")
    def paid_percent(self, root: models.RequestedPayment) -> int | None:
        if root.is_manually_paid:
            return 100
        if root.price <= 0:
            return 0
        done = (_received(root) + _written_off(root)) * 100 / root.price
        return max(0, min(100, int(done)))

    @strawberry_django.field(only=["price"])
    def write_off_amount(self, root: models.RequestedPayment) -> float | None:
        return float(_written_off(root))

    @strawberry_django.field(prefetch_related=[_write_offs_prefetch])
    def write_offs(self, root: models.RequestedPayment) -> list[WriteOffType] | None:
        return _live_write_offs(root)

    @strawberry_django.field(description="The latest successful payment of the invoice.")
    def billing_item_id(self, root: models.RequestedPayment) -> str | None:
        if hasattr(root, "_last_item_id"):
            return _str(root._last_item_id)
        return _str(root.billing_items.filter(state=models.BillingItem.SUCCEEDED, deleted_at=None)
                    .order_by("-created_at", "-id").values_list("id", flat=True).first())

    @strawberry_django.field(only=["appointment_id"], prefetch_related=[_appointment_prefetch])
    def appointment(self, root: models.RequestedPayment, info: strawberry.Info) -> AppointmentObjectType | None:
        if hasattr(root, "_visible_appointment"):
            return root._visible_appointment
        if not root.appointment_id:
            return None
        from apps.scheduling.selectors import appointments_visible

        return appointments_visible(info.context.viewer).filter(pk=root.appointment_id).first()

    @strawberry_django.field(only=["appointment_id"])
    def appointment_id(self, root: models.RequestedPayment) -> str | None:
        return _str(root.appointment_id)

    @strawberry_django.field(only=["offering_id"])
    def offering_id(self, root: models.RequestedPayment) -> str | None:
        return _str(root.offering_id)

    @strawberry_django.field(only=["offering_price_at_invoice_creation"])
    def offering_price_at_invoice_creation(self, root: models.RequestedPayment) -> str | None:
        value = root.offering_price_at_invoice_creation
        return f"{value:.2f}" if value is not None else None

    @strawberry_django.field(only=["recipient_id"])
    def recipient_id(self, root: models.RequestedPayment) -> str | None:
        return _str(root.recipient_id)

    @strawberry_django.field(only=["sender_id"])
    def sender_id(self, root: models.RequestedPayment) -> str | None:
        return _str(root.sender_id)

    @strawberry_django.field(only=["requested_payer_id"])
    def requested_payer_id(self, root: models.RequestedPayment) -> str | None:
        return _str(root.requested_payer_id)

    @strawberry_django.field(only=["requested_payer_id"], select_related=["requested_payer"],
                             description="The third-party payer of the invoice (same as requested_payer).")
    def other_requested_payer(self, root: models.RequestedPayment) -> RequestedPayerType | None:
        return root.requested_payer

    @strawberry_django.field(description="Invoice templates are not available: always null.")
    def requested_payment_template(self) -> RequestedPaymentTemplateType | None:
        return None

    @strawberry_django.field(description="CMS 1500 invoices belong to insurance billing: always null.")
    def cms1500_id(self) -> str | None:
        return None

    @strawberry_django.field(description="CMS 1500 invoices belong to insurance billing: always null.")
    def cms1500_service_date(self) -> str | None:
        return None

    @strawberry_django.field(only=["metadata"])
    def metadata(self, root: models.RequestedPayment) -> str | None:
        return json.dumps(root.metadata) if root.metadata is not None else None

    @strawberry_django.field(only=["service_date", "created_at"],
                             description="The service date when given, else the creation date.")
    def date_to_show(self, root: models.RequestedPayment) -> str | None:
        return format_datetime(root.service_date or root.created_at)

    @strawberry_django.field(only=["service_date"])
    def service_date(self, root: models.RequestedPayment) -> str | None:
        return format_datetime(root.service_date)

    @strawberry_django.field(only=["email_sent_at"])
    def email_sent_at(self, root: models.RequestedPayment) -> str | None:
        return format_datetime(root.email_sent_at)

    @strawberry_django.field(only=["paid_at"])
    def paid_at(self, root: models.RequestedPayment) -> str | None:
        return format_datetime(root.paid_at)

    @strawberry_django.field(only=["created_at"])
    def created_at(self, root: models.RequestedPayment) -> str:
        return format_datetime(root.created_at)

    @strawberry_django.field(only=["updated_at"])
    def updated_at(self, root: models.RequestedPayment) -> str:
        return format_datetime(root.updated_at)


@strawberry_django.type(models.WriteOff, name="WriteOff")
class WriteOffType:
    id: strawberry.ID

    @strawberry_django.field(only=["amount"])
    def amount(self, root: models.WriteOff) -> float:
        return float(root.amount)

    @strawberry_django.field(only=["write_off_type"])
    def write_off_type(self, root: models.WriteOff) -> WriteOffKind:
        return WriteOffKind(root.write_off_type)

    @strawberry_django.field(only=["reason"])
    def other_reason(self, root: models.WriteOff) -> str | None:
        return root.reason or None

    @strawberry_django.field(only=["requested_payment_id"], select_related=["requested_payment"])
    def requested_payment(self, root: models.WriteOff) -> RequestedPaymentType:
        return root.requested_payment


@strawberry.type(name="RequestedPaymentTemplate", description="Invoice templates are not available here.")
class RequestedPaymentTemplateType:
    id: strawberry.ID
    active_template: bool
    name: str | None = None
    requested_payment: RequestedPaymentType | None = None


@strawberry.type(name="ReceiptLineItem", description="Lines of a superbill's receipt (insurance billing, not "
                                                     "available here).")
class ReceiptLineItemType:
    id: strawberry.ID
    created_at: str
    updated_at: str
    description: str | None = None
    previous_price: str | None = None
    price: str | None = None
    super_bill_id: strawberry.ID | None = None


@strawberry.type(name="MonthlyBillingItemsDataType")
class MonthlyBillingItemsDataType:
    amount: int | None
    month: str | None


@strawberry.type(name="PayoutAccount", description="The Stripe account the organization is paid into.")
class PayoutAccountType:
    id: strawberry.ID
    name: str
    uuid: str
    created_at: str
    updated_at: str


@strawberry.type(name="StripeCompanyAddressType")
class StripeCompanyAddressType:
    city: str | None = None
    country: str | None = None
    line1: str | None = None
    line2: str | None = None
    postal_code: str | None = None
    state: str | None = None


@strawberry.type(name="StripeCompanyType")
class StripeCompanyType:
    address: StripeCompanyAddressType | None = None
    directors_provided: bool | None = None
    executives_provided: bool | None = None
    name: str | None = None
    owners_provided: bool | None = None
    phone: str | None = None
    tax_id_provided: bool | None = None
    verification: str | None = None


@strawberry.type(name="StripeBankAccountType")
class StripeBankAccountType:
    id: str | None = None
    account_holder_name: str | None = None
    account_holder_type: str | None = None
    accounts_number_last_4: str | None = None
    routing_number_last_4: str | None = None
    currency: str | None = None
    country: str | None = None
    city: str | None = None
    line1: str | None = None
    line2: str | None = None
    state: str | None = None
    zip: str | None = None
    dob: str | None = None
    id_image_provided: bool | None = None
    ssn_last_4_provided: bool | None = None
    tax_id_provided: bool | None = None


@strawberry.type(name="StripeCountry")
class StripeCountryType:
    country_code: str | None = None
    name: str | None = None
    currency: str | None = None
    accepted_currencies: list[str | None] | None = None
    field1: str | None = None
    field2: str | None = None


@strawberry.type(name="TransferType", description="A payout from the organization's Stripe balance to its bank.")
class TransferType:
    id: str
    amount: str | None = None
    currency: str | None = None
    displayed_amount: str | None = None
    displayed_expected_to_happen: str | None = None
    displayed_initiated: str | None = None
    expected_to_happen: str | None = None
    fees: str | None = None
    initiated: str | None = None
    status: str | None = None
    transactions_count: int | None = None
    type: str | None = None
