"""Connects an organization to its Stripe account: ``manage.py billing_connect_stripe <org id>``.

The keys are read from the environment (STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY,
STRIPE_WEBHOOK_SECRET) rather than from arguments, so they never land in shell history or a
process listing; they are stored encrypted.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import Organization
from apps.billing.services.accounts import stripe_account_connect
from apps.core.errors import ValidationFailed


class Command(BaseCommand):
    help = ("Store an organization's Stripe keys "
            "(from STRIPE_SECRET_KEY / STRIPE_PUBLISHABLE_KEY / STRIPE_WEBHOOK_SECRET).")

    def add_arguments(self, parser) -> None:
        parser.add_argument("organization_id", type=int)
        parser.add_argument("--currency", default="usd")

    def handle(self, *args, **options) -> None:
        organization = Organization.objects.filter(pk=options["organization_id"]).first()
        if organization is None:
            raise CommandError("No organization with this id.")
        try:
            stripe_account_connect(organization, secret_key=os.environ.get("STRIPE_SECRET_KEY", ""),
                                   publishable_key=os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
                                   webhook_secret=os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
                                   default_currency=options["currency"])
        except ValidationFailed as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Stripe account connected for organization {organization.pk}.")
