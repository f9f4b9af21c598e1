"""Billing: each organization's Stripe account, patients' payment methods, packages
(``Offering``) with what they include, coupons, products, invoices (``RequestedPayment``),
payments (``BillingItem``) with refunds and charge-backs, recurring payments and package
purchases, and the Stripe events already processed.

Money is ``Decimal`` (two places) plus a lower-case ISO currency; Stripe's minor units appear
only in ``apps.billing.gateway``. Card numbers never reach the server: a payment method is
Stripe's id of a card the browser tokenized, with the brand and last four digits Stripe reports.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

MONEY = {"max_digits": 12, "decimal_places": 2}


class StripeAccount(models.Model):
    """The Stripe account an organization is paid into.

    Each organization brings its own account (restricted or secret key, publishable key and
    the signing secret of the webhook endpoint it points at us); the keys are stored
    encrypted with ``FIELD_ENCRYPTION_KEY``. A self-hosted deployment has no platform
    account to run Stripe Connect from, so own keys are the only choice that works for
    every operator; payouts and bank verification stay in the organization's Stripe
    dashboard and are read from Stripe, never stored here.
    """

    organization = models.OneToOneField("accounts.Organization", on_delete=models.CASCADE,
                                        related_name="stripe_account")
    secret_key_encrypted = models.TextField()
    publishable_key = models.CharField(max_length=255)
    webhook_secret_encrypted = models.TextField(blank=True)
    # Stripe's id of the account (``acct_...``), read when the keys are saved.
    account_id = models.CharField(max_length=255, blank=True)
    default_currency = models.CharField(max_length=3, default="usd")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class StripeCustomer(models.Model):
    """A patient's customer object in their organization's Stripe account."""

    user = models.OneToOneField("accounts.User", on_delete=models.CASCADE, related_name="stripe_customer")
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    stripe_id = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)


class StripeCustomerDetail(models.Model):
    """A stored payment method (card) of a patient."""

    PERSONAL, HSA, FSA = "personal", "hsa", "fsa"
    LABELS = (PERSONAL, HSA, FSA)

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="stripe_customer_details")
    stripe_id = models.CharField(max_length=255)  # card_... / pm_... / src_...
    source_type = models.CharField(max_length=30, default="card")
    card_type = models.CharField(max_length=30, blank=True)  # brand as Stripe reports it
    last_four = models.CharField(max_length=4, blank=True)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    zip = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True)
    card_type_label = models.CharField(max_length=20, default=PERSONAL)
    is_default = models.BooleanField(default=False)
    source_status = models.CharField(max_length=30, blank=True)
    # When the organization last marked this card's issue (expiring or failed) as seen (cardIssues).
    issue_seen_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(is_default=True, deleted_at__isnull=True),
                                    name="one_default_card_per_user"),
        ]
        indexes = [models.Index(fields=["user", "deleted_at"])]


class Offering(models.Model):
    """A package: a price, a billing frequency and what the buyer gets (appointment credits)."""

    ONE_TIME = "One-Time"
    # Frequency → (unit, count) of the interval between charges.
    FREQUENCIES = {
        "One-Time": None,
        "Daily": ("days", 1),
        "Weekly": ("weeks", 1),
        "Every 2 Weeks": ("weeks", 2),
        "Every 4 Weeks": ("weeks", 4),
        "Monthly": ("months", 1),
        "Every 3 Months": ("months", 3),
        "Every 6 Months": ("months", 6),
        "Yearly": ("months", 12),
    }
    VISIBILITIES = ("visible", "hidden", "visible_to_groups")

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="offerings")
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    price = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, default="usd")
    billing_frequency = models.CharField(max_length=30, default=ONE_TIME)
    # Number of charges of a recurring package (None: until cancelled).
    repeat_times = models.PositiveIntegerField(null=True, blank=True)
    first_time_payment = models.DecimalField(null=True, blank=True, **MONEY)
    charge_immediately = models.BooleanField(default=True)
    visibility_status = models.CharField(max_length=30, default="hidden")
    show_offering = models.BooleanField(default=False)
    show_price = models.BooleanField(default=True)
    ask_for_cc = models.BooleanField(default=True)
    max_purchases = models.PositiveIntegerField(null=True, blank=True)
    user_groups = models.ManyToManyField("accounts.UserGroup", blank=True, related_name="visible_offerings")
    # The group a buyer joins on purchase (``user_group_id``); with ``override_group_on_purchase``
    # it replaces a group the buyer already has, else it only fills an empty one.
    user_group = models.ForeignKey("accounts.UserGroup", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    override_group_on_purchase = models.BooleanField(default=False)
    can_be_gifted = models.BooleanField(default=False)
    require_booking_purchase = models.BooleanField(default=False)
    show_free_text = models.BooleanField(default=False)
    video_url = models.CharField(max_length=500, blank=True)
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    archived = models.BooleanField(default=False)
    row_order = models.IntegerField(default=0)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "deleted_at", "archived"])]

    @property
    def is_recurring(self) -> bool:
        return self.FREQUENCIES.get(self.billing_frequency) is not None

    @property
    def initial_payment_amount(self) -> Decimal:
        return self.first_time_payment if self.first_time_payment is not None else self.price


class OfferingInclude(models.Model):
    """Appointment credits a package grants its buyer (``quantity`` of an appointment type,
    granted again at each renewal when ``is_repeating``)."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="offering_includes")
    appointment_type = models.ForeignKey("scheduling.AppointmentType", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    is_repeating = models.BooleanField(default=False)
    required_appointment_type = models.BooleanField(default=False)
    expires_in = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class OfferingCoupon(models.Model):
    """A promo code: ``percentage`` (``amount_off`` percent) or ``flat`` (``amount_off`` money)."""

    PERCENTAGE, FLAT = "percentage", "flat"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    code = models.CharField(max_length=100)
    promo_type = models.CharField(max_length=20, default=PERCENTAGE)
    amount_off = models.DecimalField(**MONEY)
    # Charges of a recurring package the discount applies to (None: every charge).
    repeat_times = models.PositiveIntegerField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Empty: applies to every package of the organization.
    offerings = models.ManyToManyField(Offering, blank=True, related_name="coupons")
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(models.functions.Upper("code"), "organization",
                                    condition=Q(deleted_at__isnull=True), name="unique_live_coupon_code"),
        ]


class Product(models.Model):
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=255)
    price = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, default="usd")
    # None: unlimited.
    quantity = models.PositiveIntegerField(null=True, blank=True)
    taxable = models.BooleanField(default=False)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    tax_description = models.CharField(max_length=255, blank=True)
    offerings = models.ManyToManyField(Offering, blank=True, related_name="products")
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class RequestedPayer(models.Model):
    """A third party invoiced without an account (an employer paying for a patient's care)."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255, blank=True)
    email = models.EmailField(blank=True)
    phone_number = models.CharField(max_length=50, blank=True)
    address = models.TextField(blank=True)
    # External id a payer uses to open its invoices (``requestedPayment(invoice_id:, uuid:)``).
    uuid = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)


class RequestedPayment(models.Model):
    """An invoice. ``status`` is derived from its payments, refunds and write-offs
    (``apps.billing.services.invoices.refresh_status``) and stored for filtering."""

    NOT_YET_PAID, PARTIAL, PAID, WRITTEN_OFF = "Not Yet Paid", "Partially Paid", "Paid", "Written Off"
    INVOICE_TYPES = ("offering", "other", "cms1500", "product")

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    sender = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="requested_payments")
    requested_payer = models.ForeignKey(RequestedPayer, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="requested_payments")
    offering = models.ForeignKey(Offering, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    appointment = models.ForeignKey("scheduling.Appointment", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    user_package_selection = models.ForeignKey("billing.UserPackageSelection", null=True, blank=True,
                                               on_delete=models.SET_NULL, related_name="+")
    invoice_type = models.CharField(max_length=30)
    # Human invoice number, unique in the organization (``INV-<org>-<year>-<n>``).
    invoice_id = models.CharField(max_length=64)
    price = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, default="usd")
    offering_price_at_invoice_creation = models.DecimalField(null=True, blank=True, **MONEY)
    status = models.CharField(max_length=20, default=NOT_YET_PAID)
    # Set by hand when a provider marks the invoice paid outside the platform.
    is_manually_paid = models.BooleanField(default=False)
    services_provided = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    details = models.TextField(blank=True)
    service_date = models.DateTimeField(null=True, blank=True)
    is_preview = models.BooleanField(default=False)
    metadata = models.JSONField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "invoice_id"], name="unique_invoice_number")]
        indexes = [models.Index(fields=["organization", "deleted_at", "-created_at"]),
                   models.Index(fields=["recipient", "status"])]


class WriteOff(models.Model):
    """An amount of an invoice the organization gave up on; counts towards the invoice's status."""

    DISCOUNT, UNCOLLECTABLE, FINANCIAL_HARDSHIP, BILLING_ERROR, OTHER = (
        "DISCOUNT", "UNCOLLECTABLE", "FINANCIAL_HARDSHIP", "BILLING_ERROR", "OTHER")
    TYPES = (DISCOUNT, UNCOLLECTABLE, FINANCIAL_HARDSHIP, BILLING_ERROR, OTHER)

    requested_payment = models.ForeignKey(RequestedPayment, on_delete=models.CASCADE, related_name="write_offs")
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    amount = models.DecimalField(**MONEY)
    write_off_type = models.CharField(max_length=30, default=OTHER)
    # ``other_reason`` of the published type: free text, mostly for OTHER.
    reason = models.CharField(max_length=255, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class RecurringPayment(models.Model):
    """A package bought with a recurring frequency: charged on ``next_payment_date`` by the
    ``billing.charge_recurring`` job until cancelled or ``repeat_times`` charges were made.
    A failed renewal is retried with backoff (``failed_attempts``, ``next_retry_at``)."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    sender = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="recurring_payments")
    recipient = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    offering = models.ForeignKey(Offering, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    offering_coupon = models.ForeignKey(OfferingCoupon, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    stripe_customer_detail = models.ForeignKey(StripeCustomerDetail, null=True, blank=True,
                                               on_delete=models.SET_NULL, related_name="+")
    billing_frequency = models.CharField(max_length=30)
    original_price = models.DecimalField(**MONEY)
    amount_to_pay = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, default="usd")
    repeat_times = models.PositiveIntegerField(null=True, blank=True)
    payments_made = models.PositiveIntegerField(default=0)
    start_at = models.DateTimeField()
    next_payment_date = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    is_paused = models.BooleanField(default=False)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_canceled = models.BooleanField(default=False)
    canceled_at = models.DateTimeField(null=True, blank=True)
    canceled_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["is_canceled", "is_paused", "next_payment_date"])]


class UserPackageSelection(models.Model):
    """A patient's purchase (or assignment) of a package."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="package_selections")
    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="user_package_selections")
    offering_coupon = models.ForeignKey(OfferingCoupon, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    recurring_payment = models.ForeignKey(RecurringPayment, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+")
    initial_price_with_offering_coupon = models.DecimalField(null=True, blank=True, **MONEY)
    # A selection scheduled to start later (``scheduledUserPackageSelections``).
    starts_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class BillingItem(models.Model):
    """One payment: a Stripe charge (``should_charge``), an outside payment recorded by a
    provider, or a scheduled/failed try of a recurring payment.

    ``stripe_idempotency_key`` is unique per organization: the same key sent twice finds the
    first payment instead of charging again, and the key is also sent to Stripe.
    """

    SUCCEEDED, FAILED, SCHEDULED = "succeeded", "failed", "scheduled"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    sender = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="billing_items_sent")
    recipient = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="billing_items_received")
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    amount_paid = models.DecimalField(**MONEY)
    original_price = models.DecimalField(null=True, blank=True, **MONEY)
    currency = models.CharField(max_length=3, default="usd")
    state = models.CharField(max_length=20, default=SUCCEEDED)
    failure_reason = models.CharField(max_length=255, blank=True)
    stripe_error = models.CharField(max_length=100, blank=True)  # Stripe's decline code
    stripe_charge_id = models.CharField(max_length=255, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True)
    stripe_idempotency_key = models.CharField(max_length=255, blank=True)
    stripe_customer_detail = models.ForeignKey(StripeCustomerDetail, null=True, blank=True,
                                               on_delete=models.SET_NULL, related_name="+")
    card_brand = models.CharField(max_length=30, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    is_outside_payment = models.BooleanField(default=False)
    payment_medium = models.CharField(max_length=50, blank=True)
    note = models.TextField(blank=True)
    offering = models.ForeignKey(Offering, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    offering_coupon = models.ForeignKey(OfferingCoupon, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    requested_payment = models.ForeignKey(RequestedPayment, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="billing_items")
    recurring_payment = models.ForeignKey(RecurringPayment, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="billing_items")
    user_package_selection = models.ForeignKey(UserPackageSelection, null=True, blank=True,
                                               on_delete=models.SET_NULL, related_name="billing_items")
    appointment = models.ForeignKey("scheduling.Appointment", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    # Set on a failed try once a retry of it succeeds.
    successful_retried_payment = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                                   related_name="+")
    refund_amount = models.DecimalField(default=Decimal("0.00"), **MONEY)
    refund_date = models.DateTimeField(null=True, blank=True)
    is_canceled = models.BooleanField(default=False)
    receipt_last_sent_at = models.DateTimeField(null=True, blank=True)
    # For outside payments the provider may date the payment.
    paid_at = models.DateTimeField(null=True, blank=True)
    # The client's own data sent with createBillingItem/updateBillingItem (``metadata``).
    metadata = models.JSONField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "stripe_idempotency_key"],
                                    condition=~Q(stripe_idempotency_key=""), name="unique_billing_idempotency_key"),
        ]
        indexes = [models.Index(fields=["organization", "deleted_at", "-created_at"]),
                   models.Index(fields=["sender", "-created_at"])]

    @property
    def net_amount(self) -> Decimal:
        return self.amount_paid - self.refund_amount


class RefundItem(models.Model):
    billing_item = models.ForeignKey(BillingItem, on_delete=models.CASCADE, related_name="refund_items")
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    amount = models.DecimalField(**MONEY)
    stripe_refund_id = models.CharField(max_length=255, blank=True, unique=True, null=True)
    created_at = models.DateTimeField(auto_now_add=True)


class ChargeBack(models.Model):
    """A dispute Stripe reported for a charge (``charge.dispute.*`` events)."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    billing_item = models.ForeignKey(BillingItem, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="charge_backs")
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    disputed_amount = models.DecimalField(**MONEY)
    fee = models.DecimalField(null=True, blank=True, **MONEY)
    currency = models.CharField(max_length=3, default="usd")
    reason = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=50, blank=True)
    response_required_by = models.DateTimeField(null=True, blank=True)
    evidence = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class StripeEvent(models.Model):
    """A Stripe webhook event already processed: each event id is handled once."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    stripe_event_id = models.CharField(max_length=255, unique=True)
    event_type = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)


class AdvanceAppointmentPrice(models.Model):
    """A client's own price for an appointment type (``updateUserAppointmentPricing``)."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="advance_appointment_prices")
    appointment_type = models.ForeignKey("scheduling.AppointmentType", on_delete=models.CASCADE, related_name="+")
    price = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "appointment_type"],
                                               name="one_advance_price_per_type")]
