"""Shared set-up of the packages tests: cards on the local Stripe server, packages, appointment types."""

from __future__ import annotations

from decimal import Decimal

from apps.billing import gateway
from apps.billing.models import Offering, OfferingInclude, StripeCustomerDetail
from apps.billing.services.accounts import stripe_customer_for
from apps.scheduling.models import AppointmentType
from tests.billing.conftest import card_token


def add_card(account, client, patient, number: str = "4242424242424242", *, default: bool = True
             ) -> StripeCustomerDetail:
    customer = stripe_customer_for(patient, account)
    card = gateway.attach_token(account, customer, card_token(client, number))
    if default:
        StripeCustomerDetail.objects.filter(user=patient, is_default=True).update(is_default=False)
    return StripeCustomerDetail.objects.create(organization_id=patient.organization_id, user=patient,
                                               stripe_id=card.stripe_id, card_type=card.brand,
                                               last_four=card.last4, is_default=default)


def appointment_type(org, name: str = "Initial Consultation", **fields) -> AppointmentType:
    return AppointmentType.objects.create(organization=org, name=name, length=fields.pop("length", 30), **fields)


def package(org, name: str = "Wellness", price: str = "100", *, includes=(), **fields) -> Offering:
    offering = Offering.objects.create(organization=org, name=name, price=Decimal(price), **fields)
    for appt_type, quantity, repeating in includes:
        OfferingInclude.objects.create(offering=offering, appointment_type=appt_type, quantity=quantity,
                                       is_repeating=repeating)
    return offering


def charges_of(client, account, patient) -> list:
    customer = stripe_customer_for(patient, account)
    return client.v1.charges.list({"customer": customer}).data
