from __future__ import annotations

import pytest
import stripe

from apps.billing.services.accounts import stripe_account_connect
from tests.billing.stripe_server import StripeServer

TEST_SECRET_KEY = "sk_test_careplatform"
TEST_PUBLISHABLE_KEY = "pk_test_careplatform"
TEST_WEBHOOK_SECRET = "whsec_careplatformtestsecret"


@pytest.fixture(scope="session")
def stripe_server():
    server = StripeServer()
    yield server
    server.stop()


@pytest.fixture
def stripe_base(stripe_server, settings) -> str:
    settings.STRIPE_API_BASE = stripe_server.base
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    return stripe_server.base


@pytest.fixture
def stripe_account(world, stripe_base):
    """The world's organization connected to the local Stripe-compatible server."""
    return stripe_account_connect(world.org, secret_key=TEST_SECRET_KEY, publishable_key=TEST_PUBLISHABLE_KEY,
                                  webhook_secret=TEST_WEBHOOK_SECRET)


@pytest.fixture
def stripe_client(stripe_base) -> stripe.StripeClient:
    return stripe.StripeClient(TEST_SECRET_KEY, base_addresses={"api": stripe_base}, max_network_retries=0)


def card_token(client: stripe.StripeClient, number: str = "4242424242424242") -> str:
    """What Stripe.js hands the browser: a token for a card the server never sees."""
    return client.v1.tokens.create({"card": {"number": number, "exp_month": 12, "exp_year": 2034,
                                             "cvc": "123", "address_zip": "10001"}}).id


# Stripe's test cards: attaches, then every charge is declined / refused when attached / needs 3-D Secure.
DECLINED_CARD = "4000000000000341"
ATTACH_DECLINED_CARD = "4000000000000002"
AUTHENTICATION_CARD = "4000002500003155"
