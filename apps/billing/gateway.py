"""The only module that talks to Stripe.

Everything above it works in ``Money``; amounts become Stripe's minor units here. Every call
that creates something on Stripe carries an idempotency key chosen by the caller, so a retried
mutation (or a retried job) finds the first result instead of charging twice. The client is
built per organization from its encrypted keys and pointed at ``STRIPE_API_BASE`` when set
(tests and local development use a Stripe-compatible server).

Stripe's errors become two domain errors: ``PaymentDeclined`` (the card was refused: Stripe's
message and decline code) and ``PaymentUnavailable`` (no account configured, or Stripe did not
answer). Neither ever carries a key or a card detail.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

import stripe
from django.conf import settings

from apps.billing.models import StripeAccount
from apps.core import crypto
from apps.core.errors import ErrorCode, ValidationFailed
from apps.core.money import Money

log = logging.getLogger(__name__)


class PaymentDeclined(ValidationFailed):
    def __init__(self, field: str | None, message: str, decline_code: str = "") -> None:
        super().__init__(field, message, ErrorCode.PAYMENT_DECLINED)
        self.decline_code = decline_code


class PaymentUnavailable(ValidationFailed):
    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(field, message, ErrorCode.PAYMENT_UNAVAILABLE)


NOT_CONFIGURED = "Payments are not set up for this organization (no Stripe account is connected)."
UNREACHABLE = "The payment processor could not be reached; nothing was charged. Retry with the same idempotency key."


@dataclass(frozen=True)
class Card:
    stripe_id: str
    brand: str
    last4: str
    exp_month: int | None
    exp_year: int | None
    zip: str
    country: str
    status: str


@dataclass(frozen=True)
class Charge:
    charge_id: str
    payment_intent_id: str
    status: str


@dataclass(frozen=True)
class Intent:
    id: str
    client_secret: str
    status: str


def account_for(organization_id: int) -> StripeAccount:
    account = StripeAccount.objects.filter(organization_id=organization_id).first()
    if account is None:
        raise PaymentUnavailable(None, NOT_CONFIGURED)
    return account


def client_for(account: StripeAccount) -> stripe.StripeClient:
    base = getattr(settings, "STRIPE_API_BASE", "")
    return stripe.StripeClient(
        crypto.decrypt(account.secret_key_encrypted),
        base_addresses={"api": base} if base else None,
        max_network_retries=int(getattr(settings, "STRIPE_MAX_NETWORK_RETRIES", 2)),
    )


def _call(field: str | None, fn, *args: Any, **kwargs: Any) -> Any:
    """Runs one Stripe call, turning Stripe's errors into the two domain errors."""
    try:
        return fn(*args, **kwargs)
    except stripe.CardError as error:
        code = (getattr(error, "code", "") or "")
        decline = ""
        if error.error is not None:
            decline = getattr(error.error, "decline_code", "") or ""
        raise PaymentDeclined(field, error.user_message or "The card was declined.", decline or code) from None
    except (stripe.APIConnectionError, stripe.RateLimitError) as error:
        log.warning("stripe unreachable: %s", type(error).__name__)
        raise PaymentUnavailable(field, UNREACHABLE) from None
    except stripe.InvalidRequestError as error:
        if getattr(error, "code", "") == "card_declined":  # Stripe-compatible servers report some declines so
            raise PaymentDeclined(field, error.user_message or "The card was declined.", "card_declined") from None
        # A token already used, a card id of another customer, an unknown payment method:
        # the client sent something Stripe refuses; its message names no secret.
        raise ValidationFailed(field, error.user_message or "The payment processor refused this request.") from None
    except stripe.AuthenticationError:
        log.error("stripe refused the organization's key")
        raise PaymentUnavailable(field, NOT_CONFIGURED) from None
    except stripe.StripeError as error:
        log.warning("stripe error: %s", type(error).__name__)
        raise PaymentUnavailable(field, UNREACHABLE) from None


def _opts(idempotency_key: str | None) -> dict[str, str]:
    """Request options of a creating call: the caller's key, else a fresh one, so the library's own
    network retries of this call are deduplicated by Stripe too."""
    return {"idempotency_key": idempotency_key or f"careplatform-{uuid.uuid4()}"}


def create_customer(account: StripeAccount, *, email: str, name: str, user_id: int) -> str:
    client = client_for(account)
    customer = _call(None, client.v1.customers.create,
                     {"email": email or None, "name": name or None, "metadata": {"user_id": str(user_id)}},
                     _opts(f"customer-{account.organization_id}-{user_id}"))
    return customer.id


def _card(obj: Any) -> Card:
    data = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    card = data.get("card") if data.get("object") == "payment_method" else data
    card = card or {}
    return Card(stripe_id=data["id"], brand=card.get("brand") or "", last4=card.get("last4") or "",
                exp_month=card.get("exp_month"), exp_year=card.get("exp_year"),
                zip=card.get("address_zip") or ((data.get("billing_details") or {}).get("address") or {}).get(
                    "postal_code") or "",
                country=card.get("country") or "", status=card.get("cvc_check") or "")


def attach_token(account: StripeAccount, customer_id: str, token: str) -> Card:
    """Stores a card tokenized by Stripe.js (``tok_...``) on the customer."""
    client = client_for(account)
    # A token is single-use, so it names the request: a retried save finds the card saved the first time.
    return _card(_call("token", client.v1.customers.payment_sources.create, customer_id, {"source": token},
                       _opts(f"source-{account.organization_id}-{token[:200]}")))


def attach_payment_method(account: StripeAccount, customer_id: str, payment_method_id: str) -> Card:
    """Stores a payment method confirmed through a SetupIntent (``pm_...``) on the customer."""
    client = client_for(account)
    method = _call("payment_method_id", client.v1.payment_methods.retrieve, payment_method_id)
    owner = method.to_dict().get("customer")
    if owner and owner != customer_id:
        raise ValidationFailed("payment_method_id", "This payment method belongs to someone else.")
    if not owner:
        method = _call("payment_method_id", client.v1.payment_methods.attach, payment_method_id,
                       {"customer": customer_id})
    return _card(method)


def detach(account: StripeAccount, customer_id: str, stripe_id: str) -> None:
    client = client_for(account)
    if stripe_id.startswith("pm_"):
        _call(None, client.v1.payment_methods.detach, stripe_id)
    else:
        _call(None, client.v1.customers.payment_sources.delete, customer_id, stripe_id)


def charge(account: StripeAccount, *, customer_id: str, source_id: str, amount: Money, idempotency_key: str,
           description: str, metadata: dict[str, str], field: str | None = "stripe_customer_detail_id") -> Charge:
    """Charges a stored card off-session. Declines raise ``PaymentDeclined``."""
    client = client_for(account)
    if source_id.startswith("pm_"):
        intent = _call(field, client.v1.payment_intents.create, {
            "amount": amount.to_minor_units(), "currency": amount.currency, "customer": customer_id,
            "payment_method": source_id, "confirm": True, "off_session": True,
            "description": description[:350], "metadata": metadata,
        }, _opts(idempotency_key))
        data = intent.to_dict()
        if data.get("status") != "succeeded":
            raise PaymentDeclined(field, "The card needs the patient's authentication (3-D Secure); use "
                                         "createPaymentIntent.", "authentication_required")
        latest = data.get("latest_charge")
        charge_id = latest.get("id") if isinstance(latest, dict) else (latest or "")
        return Charge(charge_id=charge_id, payment_intent_id=data["id"], status="succeeded")
    result = _call(field, client.v1.charges.create, {
        "amount": amount.to_minor_units(), "currency": amount.currency, "customer": customer_id,
        "source": source_id, "description": description[:350], "metadata": metadata,
    }, _opts(idempotency_key))
    data = result.to_dict()
    if data.get("status") == "failed" or not data.get("paid", True):
        raise PaymentDeclined(field, data.get("failure_message") or "The card was declined.",
                              data.get("failure_code") or "")
    return Charge(charge_id=data["id"], payment_intent_id=data.get("payment_intent") or "", status=data["status"])


def refund(account: StripeAccount, *, charge_id: str, amount: Money, idempotency_key: str) -> str:
    client = client_for(account)
    result = _call("chosen_refund_amount", client.v1.refunds.create,
                   {"charge": charge_id, "amount": amount.to_minor_units()}, _opts(idempotency_key))
    return result.id


def setup_intent(account: StripeAccount, *, customer_id: str, idempotency_key: str | None = None) -> Intent:
    client = client_for(account)
    intent = _call(None, client.v1.setup_intents.create, {"customer": customer_id, "usage": "off_session"},
                   _opts(idempotency_key))
    return Intent(id=intent.id, client_secret=intent.client_secret, status=intent.status)


def payment_intent(account: StripeAccount, *, customer_id: str, amount: Money, idempotency_key: str | None,
                   metadata: dict[str, str], payment_method: str | None = None) -> Intent:
    """A PaymentIntent the patient's browser confirms (3-D Secure)."""
    client = client_for(account)
    params: dict[str, Any] = {"amount": amount.to_minor_units(), "currency": amount.currency,
                              "customer": customer_id, "metadata": metadata}
    if payment_method:
        params["payment_method"] = payment_method
    intent = _call(None, client.v1.payment_intents.create, params, _opts(idempotency_key))
    return Intent(id=intent.id, client_secret=intent.client_secret, status=intent.status)


def retrieve_payment_intent(account: StripeAccount, intent_id: str) -> dict[str, Any]:
    client = client_for(account)
    return _call("payment_intent_id", client.v1.payment_intents.retrieve, intent_id).to_dict()


def construct_event(account: StripeAccount, payload: bytes, signature: str) -> stripe.Event:
    """Verifies a Stripe webhook with the account's signing secret (``stripe.Webhook``);
    raises ``stripe.SignatureVerificationError`` or ``ValueError`` when it is not genuine."""
    if not account.webhook_secret_encrypted:
        raise stripe.SignatureVerificationError("No webhook signing secret is configured.", signature)
    secret = crypto.decrypt(account.webhook_secret_encrypted)
    return stripe.Webhook.construct_event(payload, signature, secret,
                                          tolerance=int(getattr(settings, "STRIPE_WEBHOOK_TOLERANCE", 300)))


def update_dispute(account: StripeAccount, dispute_id: str, *, evidence: dict[str, str],
                   submit: bool) -> dict[str, Any]:
    """Sends a dispute's text evidence to Stripe (``submit``: final, Stripe forwards it to the
    issuer and no more changes are accepted). Updates carry no idempotency key: sending the
    same evidence twice leaves the same dispute."""
    client = client_for(account)
    return _call("charge_back_evidence", client.v1.disputes.update, dispute_id,
                 {"evidence": evidence, "submit": submit}).to_dict()


# ---- the organization's own account (read only): company, bank account, payouts, countries ----


def retrieve_account(account: StripeAccount) -> dict[str, Any]:
    """The connected account itself (``GET /v1/account``), with its external (bank) accounts."""
    client = client_for(account)
    return _call(None, client.v1.accounts.retrieve_current, {"expand": ["external_accounts"]}).to_dict()


def list_payouts(account: StripeAccount, *, limit: int, starting_after: str | None = None) -> dict[str, Any]:
    """Payouts from the account's Stripe balance to its bank, newest first (``GET /v1/payouts``)."""
    client = client_for(account)
    params: dict[str, Any] = {"limit": limit}
    if starting_after:
        params["starting_after"] = starting_after
    return _call("starting_after", client.v1.payouts.list, params).to_dict()


def list_country_specs(account: StripeAccount) -> list[dict[str, Any]]:
    """Every country Stripe accounts can be opened in, with its currencies (``GET /v1/country_specs``)."""
    client = client_for(account)
    return [spec.to_dict() for spec in _call(None, client.v1.country_specs.list, {"limit": 100}).auto_paging_iter()]


def retrieve_country_spec(account: StripeAccount, country_code: str) -> dict[str, Any]:
    client = client_for(account)
    return _call("country_code", client.v1.country_specs.retrieve, country_code).to_dict()
