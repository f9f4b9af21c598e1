"""Connecting an organization's Stripe account and each patient's Stripe customer."""

from __future__ import annotations

from django.db import transaction

from apps.accounts.models import Organization, User
from apps.billing import gateway
from apps.billing.models import StripeAccount, StripeCustomer
from apps.core import crypto
from apps.core.errors import ValidationFailed


@transaction.atomic
def stripe_account_connect(organization: Organization, *, secret_key: str, publishable_key: str,
                           webhook_secret: str = "", default_currency: str = "usd") -> StripeAccount:
    """Stores (or replaces) the organization's keys, encrypted."""
    if not secret_key.startswith(("sk_", "rk_")):
        raise ValidationFailed("secret_key", "A Stripe secret or restricted key starts with sk_ or rk_.")
    if not publishable_key.startswith("pk_"):
        raise ValidationFailed("publishable_key", "A Stripe publishable key starts with pk_.")
    if webhook_secret and not webhook_secret.startswith("whsec_"):
        raise ValidationFailed("webhook_secret", "A Stripe webhook signing secret starts with whsec_.")
    account, _ = StripeAccount.objects.update_or_create(
        organization=organization,
        defaults={"secret_key_encrypted": crypto.encrypt(secret_key), "publishable_key": publishable_key,
                  "webhook_secret_encrypted": crypto.encrypt(webhook_secret) if webhook_secret else "",
                  "default_currency": default_currency.lower()[:3]},
    )
    return account


def stripe_customer_for(user: User, account: StripeAccount) -> str:
    """The patient's Stripe customer id, created on first use (idempotently on both sides)."""
    # Concurrent first payments of one patient wait here instead of racing to create two customers.
    User.objects.select_for_update().filter(pk=user.pk).first()
    existing = StripeCustomer.objects.filter(user=user).values_list("stripe_id", flat=True).first()
    if existing:
        return existing
    stripe_id = gateway.create_customer(account, email=user.email, name=user.full_name, user_id=user.pk)
    customer, _ = StripeCustomer.objects.get_or_create(
        user=user, defaults={"organization_id": user.organization_id, "stripe_id": stripe_id})
    return customer.stripe_id
