"""Invoice queries: thin resolvers over ``apps.billing.selectors.invoices`` and the Stripe account
information of ``apps.billing.services.stripe_info``."""

from __future__ import annotations

from enum import Enum

import strawberry

from apps.billing.selectors import invoices as selectors
from apps.billing.services import stripe_info
from apps.core.errors import NotFound
from schema.billing.invoice_types import (
    MonthlyBillingItemsDataType,
    PayoutAccountType,
    ReceiptLineItemType,
    RequestedPaymentOrderKeys,
    RequestedPaymentTemplateType,
    RequestedPaymentType,
    StripeBankAccountType,
    StripeCompanyAddressType,
    StripeCompanyType,
    StripeCountryType,
    TransferType,
    WriteOffType,
)
from schema.context import Info
from schema.pagination import paginate


@strawberry.enum(name="TransferOrderKeys")
class TransferOrderKeys(Enum):
    CREATED_AT_ASC = "CREATED_AT_ASC"
    CREATED_AT_DESC = "CREATED_AT_DESC"
    AMOUNT_DESC = "AMOUNT_DESC"
    AMOUNT_ASC = "AMOUNT_ASC"
    STATUS_DESC = "STATUS_DESC"
    STATUS_ASC = "STATUS_ASC"
    EXPECTED_TO_HAPPEN_ASC = "EXPECTED_TO_HAPPEN_ASC"
    EXPECTED_TO_HAPPEN_DESC = "EXPECTED_TO_HAPPEN_DESC"
    TRANSACTIONS_COUNT_ASC = "TRANSACTIONS_COUNT_ASC"
    TRANSACTIONS_COUNT_DESC = "TRANSACTIONS_COUNT_DESC"


def _invoices(info: Info, keywords, only_unpaid, preview, sender_id, status_filter):
    return selectors.invoices_filter(info.context.viewer, keywords=keywords, only_unpaid=only_unpaid,
                                     preview=preview, sender_id=sender_id, status_filter=status_filter)


@strawberry.type
class Query:
    @strawberry.field(description="Invoices the caller may see: the organization's (providers and staff, "
                                  "without patients hidden from them) or, for a patient, their own. Newest first; "
                                  "offset and cursor pagination.")
    def requestedPayments(  # noqa: N802
        self, info: Info, keywords: str | None = None, only_unpaid: bool | None = None, preview: bool | None = None,
        sender_id: strawberry.ID | None = None, status_filter: str | None = None, sort_by: str | None = None,
        order_by: RequestedPaymentOrderKeys | None = None, offset: int | None = None,
        page_size: int | None = None, should_paginate: bool | None = None, after: str | None = None,
    ) -> list[RequestedPaymentType]:
        qs = _invoices(info, keywords, only_unpaid, preview, sender_id, status_filter)
        sort = selectors.invoice_sort(sort_by, order_by.value if order_by else None)
        return paginate(qs, info, sort=sort, offset=offset, page_size=page_size, should_paginate=should_paginate,
                        after=after)

    @strawberry.field(description="How many invoices requestedPayments lists with the same filters.")
    def requestedPaymentsCount(  # noqa: N802
        self, info: Info, keywords: str | None = None, only_unpaid: bool | None = None, preview: bool | None = None,
        sender_id: strawberry.ID | None = None, status_filter: str | None = None,
    ) -> int:
        return _invoices(info, keywords, only_unpaid, preview, sender_id, status_filter).count()

    @strawberry.field(description="One invoice: by id (signed in), or by invoice_id together with the uuid of its "
                                  "third-party payer (no account needed). With preview, only a preview invoice.")
    def requestedPayment(  # noqa: N802
        self, info: Info, id: strawberry.ID | None = None, invoice_id: str | None = None,
        uuid: str | None = None, preview: bool | None = None,
    ) -> RequestedPaymentType | None:
        viewer = info.context.viewer
        if id not in (None, ""):
            invoice = selectors.invoice_get(viewer, id)
        elif uuid not in (None, "") or invoice_id not in (None, ""):
            invoice = selectors.invoice_for_payer(invoice_id, uuid)
        else:
            raise NotFound("id", "Requested payment not found.")
        if preview is not None and bool(preview) != invoice.is_preview:
            raise NotFound("id", "Requested payment not found.")
        return invoice

    @strawberry.field(description="One write-off of an invoice the caller may see.")
    def writeOff(self, info: Info, id: strawberry.ID | None = None) -> WriteOffType | None:  # noqa: N802
        return selectors.write_off_get(info.context.viewer, id)

    @strawberry.field(description="The price an invoice for this package starts from. CMS 1500 invoices are "
                                  "insurance billing, not available here (null).")
    def invoiceBasePrice(  # noqa: N802
        self, info: Info, cms1500_id: strawberry.ID | None = None, offering_id: strawberry.ID | None = None,
    ) -> str | None:
        return selectors.invoice_base_price(info.context.viewer, offering_id=offering_id, cms1500_id=cms1500_id)

    @strawberry.field(description="Invoice templates are not available: always [].")
    def invoiceTemplates(  # noqa: N802
        self, info: Info, keywords: str | None = None, offset: int | None = None, page_size: int | None = None,
        should_paginate: bool | None = None, after: str | None = None,
    ) -> list[RequestedPaymentTemplateType]:
        return []

    @strawberry.field(description="Whether provider sender_id may see patient recipient_id (and so send them an "
                                  "invoice).")
    def canInvoiceSenderSeeRecipient(  # noqa: N802
        self, info: Info, sender_id: strawberry.ID, recipient_id: strawberry.ID,
    ) -> bool | None:
        return selectors.sender_can_see_recipient(info.context.viewer, sender_id=sender_id, recipient_id=recipient_id)

    @strawberry.field(description="Receipt lines of a superbill: superbills are insurance billing, not available "
                                  "here (always []).")
    def receiptLineItems(  # noqa: N802
        self, info: Info, super_bill_id: strawberry.ID | None = None, offset: int | None = None,
        page_size: int | None = None, should_paginate: bool | None = None, after: str | None = None,
    ) -> list[ReceiptLineItemType]:
        return []

    @strawberry.field(description="Payments received per month over the last 12 months (whole currency units, "
                                  "net of refunds unless gross): the caller's own, or the organization's with "
                                  "org_level.")
    def monthlyBillingItemsData(  # noqa: N802
        self, info: Info, gross: bool | None = None, org_level: bool | None = None,
    ) -> list[MonthlyBillingItemsDataType] | None:
        rows = selectors.monthly_billing_items(info.context.viewer, gross=gross, org_level=org_level)
        return [MonthlyBillingItemsDataType(month=month, amount=amount) for month, amount in rows]

    @strawberry.field(description="Platform subscription prices are not available here: always null.")
    def newClientPriceString(self, info: Info, new_client_num: int | None = None) -> str | None:  # noqa: N802
        return None

    @strawberry.field(description="Platform subscription prices are not available here: always null.")
    def newOrganizationPriceString(  # noqa: N802
        self, info: Info, new_provder_num: int | None = None, new_provider_num: int | None = None,
    ) -> str | None:
        return None

    @strawberry.field(description="Platform subscription prices are not available here: always null.")
    def newOrganizationSupportPriceString(  # noqa: N802
        self, info: Info, new_support_num: int | None = None,
    ) -> list[str | None] | None:
        return None

    # ---- the organization's Stripe account ----

    @strawberry.field(description="The organization's Stripe account (at most one: each organization is paid "
                                  "into its own account).")
    def payoutAccounts(  # noqa: N802
        self, info: Info, offset: int | None = None, page_size: int | None = None,
        should_paginate: bool | None = None, after: str | None = None,
    ) -> list[PayoutAccountType]:
        return [PayoutAccountType(**row) for row in stripe_info.payout_accounts(info.context.viewer)]

    @strawberry.field(description="The organization's Stripe account by id.")
    def payoutAccount(self, info: Info, id: strawberry.ID | None = None) -> PayoutAccountType | None:  # noqa: N802
        return PayoutAccountType(**stripe_info.payout_account(info.context.viewer, id))

    @strawberry.field(description="Payouts from the organization's Stripe balance to its bank, read from Stripe "
                                  "(limit, then starting_after the last id for the next page).")
    def transfers(
        self, info: Info, limit: int | None = None, payout_account_id: strawberry.ID | None = None,
        sort_by: str | None = None, order_by: TransferOrderKeys | None = None, starting_after: str | None = None,
    ) -> list[TransferType] | None:
        sort = order_by.value.lower() if order_by else sort_by
        rows = stripe_info.transfers(info.context.viewer, limit=limit, payout_account_id=payout_account_id,
                                     starting_after=starting_after, sort_by=sort)
        return [TransferType(**row) for row in rows]

    @strawberry.field(name="paginate_transfers", description="Whether Stripe has more payouts after this page.")
    def paginate_transfers(
        self, info: Info, limit: int | None = None, payout_account_id: strawberry.ID | None = None,
        starting_after: str | None = None,
    ) -> bool | None:
        return stripe_info.more_transfers(info.context.viewer, limit=limit, payout_account_id=payout_account_id,
                                          starting_after=starting_after)

    @strawberry.field(description="The company of the organization's Stripe account, as Stripe reports it "
                                  "(owner only; null without a connected account or a company).")
    def stripeCompany(self, info: Info) -> StripeCompanyType | None:  # noqa: N802
        data = stripe_info.company(info.context.viewer)
        if data is None:
            return None
        address = data.pop("address")
        return StripeCompanyType(**data, address=StripeCompanyAddressType(**address) if address else None)

    @strawberry.field(description="The bank account the organization's Stripe account pays out to, as Stripe "
                                  "reports it (owner only; only last digits).")
    def stripeBankAccount(self, info: Info) -> StripeBankAccountType | None:  # noqa: N802
        data = stripe_info.bank_account(info.context.viewer)
        return StripeBankAccountType(**data) if data is not None else None

    @strawberry.field(description="Countries Stripe accounts can be opened in, with their currencies.")
    def stripeCountries(self, info: Info) -> list[StripeCountryType] | None:  # noqa: N802
        return [StripeCountryType(**row) for row in stripe_info.countries(info.context.viewer)]

    @strawberry.field(description="One country Stripe supports, by ISO code.")
    def stripeCountry(self, info: Info, country_code: str | None = None) -> StripeCountryType | None:  # noqa: N802
        data = stripe_info.country(info.context.viewer, country_code)
        return StripeCountryType(**data) if data is not None else None

