"""Patients' stored payment methods (``StripeCustomerDetail``).

The server never sees a card number: the browser tokenizes the card with Stripe.js (a
``tok_...`` token) or confirms a SetupIntent (a ``pm_...`` payment method), and we attach
that to the patient's Stripe customer, keeping only what Stripe reports (brand, last four,
expiry). A patient manages their own cards; a member needs ``can_charge_clients`` to manage
a patient's. The first card of a patient is the default; there is one default per patient
(a partial unique constraint backs that up).
"""

from __future__ import annotations

from django.db import transaction

from apps.accounts.models import User
from apps.accounts.selectors import organization_providers, patient_get
from apps.accounts.viewer import Viewer
from apps.billing import gateway
from apps.billing.models import StripeCustomerDetail
from apps.billing.selectors.items import visible_cards
from apps.billing.services.accounts import stripe_customer_for
from apps.core.errors import NotFound, ValidationFailed
from apps.core.lookup import get_visible, parse_id
from apps.core.timefmt import now

CHARGE_CLIENTS = "can_charge_clients"
LABEL_MESSAGE = "card_type_label must be one of: personal, hsa, fsa."
NOT_AVAILABLE_BANK = ("Bank accounts (micro-deposit verification) are not available: only cards can be stored "
                      "as payment methods.")


def card_owner(viewer: Viewer, user_id: object, *, field: str = "user_id") -> User:
    """The patient whose cards the viewer manages: a patient themselves (``user_id`` may be
    left out), or, for a member holding ``can_charge_clients``, a patient they may see."""
    viewer.require()
    if viewer.is_patient:
        if user_id not in (None, "") and parse_id(user_id) != viewer.user_id:
            return patient_get(viewer, user_id, field=field)  # answers "not found" for anyone else
        return viewer.user
    viewer.require(CHARGE_CLIENTS)
    if user_id in (None, ""):
        raise ValidationFailed(field, "user_id is required: the patient the card belongs to.")
    return patient_get(viewer, user_id, field=field)


def _label(value: str | None) -> str:
    label = (value or StripeCustomerDetail.PERSONAL).strip().lower()
    if label not in StripeCustomerDetail.LABELS:
        raise ValidationFailed("card_type_label", LABEL_MESSAGE)
    return label


def _live_cards(user: User):
    return StripeCustomerDetail.objects.filter(user=user, deleted_at=None)


def _make_default(card: StripeCustomerDetail) -> None:
    _live_cards(card.user).filter(is_default=True).exclude(pk=card.pk).update(is_default=False)
    if not card.is_default:
        card.is_default = True
        card.save(update_fields=["is_default", "updated_at"])


@transaction.atomic
def card_create(viewer: Viewer, *, user_id: object = None, token: str | None = None,
                card_type_label: str | None = None, is_default: bool | None = None) -> StripeCustomerDetail:
    """Stores a card from a Stripe.js token (``tok_...``) or a payment method confirmed through
    a SetupIntent (``pm_...``). The same card sent twice is stored once."""
    patient = card_owner(viewer, user_id)
    label = _label(card_type_label)
    token = (token or "").strip()
    if not token:
        raise ValidationFailed("token", "token is required: the card token (tok_...) Stripe.js created, or the "
                                        "payment method (pm_...) of a confirmed SetupIntent.")
    if (not token.startswith(("tok_", "pm_", "src_")) or len(token) > 255 or not token.isascii()
            or not token.isprintable()):
        raise ValidationFailed("token", "token must be a Stripe card token (tok_...) or payment method (pm_...).")
    account = gateway.account_for(patient.organization_id)
    customer_id = stripe_customer_for(patient, account)  # locks the patient's row: one card write at a time
    if token.startswith("pm_"):
        card = gateway.attach_payment_method(account, customer_id, token)
    else:
        card = gateway.attach_token(account, customer_id, token)
    existing = _live_cards(patient).filter(stripe_id=card.stripe_id).first()
    if existing is not None:
        return existing
    first = not _live_cards(patient).exists()
    detail = StripeCustomerDetail.objects.create(
        organization_id=patient.organization_id, user=patient, stripe_id=card.stripe_id, source_type="card",
        card_type=card.brand, last_four=card.last4, exp_month=card.exp_month, exp_year=card.exp_year,
        zip=card.zip[:20], country=card.country[:2], card_type_label=label, source_status=card.status[:30],
    )
    if first or is_default:
        _make_default(detail)
    return detail


@transaction.atomic
def card_update(viewer: Viewer, *, card_id: object, user_id: object = None, card_type_label: str | None = None,
                is_default: bool | None = None, first_microdeposit: str | None = None,
                second_microdeposit: str | None = None) -> StripeCustomerDetail:
    if first_microdeposit not in (None, "") or second_microdeposit not in (None, ""):
        raise ValidationFailed("first_microdeposit", NOT_AVAILABLE_BANK)
    card = _own_card(viewer, card_id, user_id, field="id")
    if card_type_label is not None:
        card.card_type_label = _label(card_type_label)
        card.save(update_fields=["card_type_label", "updated_at"])
    if is_default:
        _make_default(card)
    elif is_default is False and card.is_default:
        other = _live_cards(card.user).exclude(pk=card.pk).order_by("-created_at").first()
        if other is None:
            raise ValidationFailed("is_default", "The patient's only card is always the default.")
        card.is_default = False
        card.save(update_fields=["is_default", "updated_at"])
        _make_default(other)
    return card


def _own_card(viewer: Viewer, card_id: object, user_id: object, *, field: str) -> StripeCustomerDetail:
    """The card ``card_id`` (our id, or Stripe's ``card_``/``pm_`` id) that the viewer manages,
    row-locked; with ``user_id``, only among that patient's cards."""
    viewer.require()
    if not viewer.is_patient:
        viewer.require(CHARGE_CLIENTS)
    cards = visible_cards(viewer)
    if user_id not in (None, ""):
        cards = cards.filter(user=card_owner(viewer, user_id))
    raw = str(card_id or "").strip()
    if raw.startswith(("card_", "pm_", "src_")) and raw.isascii() and raw.isprintable():
        card = cards.filter(stripe_id=raw[:255]).first()
        if card is None:
            raise NotFound(field, "Payment method not found.")
    else:
        card = get_visible(cards, card_id, "Payment method", field=field)
    User.objects.select_for_update().filter(pk=card.user_id).first()
    return StripeCustomerDetail.objects.select_for_update().select_related("user").get(pk=card.pk)


@transaction.atomic
def card_delete(viewer: Viewer, *, card_id: object, user_id: object = None) -> StripeCustomerDetail:
    """Detaches the card on Stripe and soft-deletes it; the patient's newest other card
    becomes the default when this one was."""
    card = _own_card(viewer, card_id, user_id, field="card_id")
    account = gateway.account_for(card.organization_id)
    customer_id = stripe_customer_for(card.user, account)
    gateway.detach(account, customer_id, card.stripe_id)
    was_default = card.is_default
    card.deleted_at = now()
    card.is_default = False
    card.save(update_fields=["deleted_at", "is_default", "updated_at"])
    if was_default:
        other = _live_cards(card.user).order_by("-created_at").first()
        if other is not None:
            _make_default(other)
    return card


@transaction.atomic
def setup_intent_create(viewer: Viewer, *, stripe_idempotency_key: str | None = None, provider_id: object = None,
                        organization_id: object = None) -> str:
    """A SetupIntent for the signed-in patient's browser to save a card with (3-D Secure
    included); its confirmed payment method is then stored with ``createStripeCustomerDetail``.
    Returns the intent's client secret."""
    viewer.require()
    if provider_id not in (None, ""):
        get_visible(organization_providers(viewer), provider_id, "Provider", field="provider_id")
    if organization_id not in (None, "") and parse_id(organization_id) != viewer.organization_id:
        raise NotFound("organization_id", "Organization not found.")
    if not viewer.is_patient:
        raise ValidationFailed(None, "A SetupIntent is created by the patient who saves the card (sign in as the "
                                     "patient); members store a patient's card with createStripeCustomerDetail.")
    patient = viewer.user
    account = gateway.account_for(patient.organization_id)
    customer_id = stripe_customer_for(patient, account)
    key = (stripe_idempotency_key or "").strip()
    if len(key) > 200 or not key.isascii() or not key.isprintable():
        raise ValidationFailed("stripe_idempotency_key", "stripe_idempotency_key must be at most 200 printable "
                                                         "ASCII characters (a V4 UUID is recommended).")
    stripe_key = f"setup-{patient.organization_id}-{patient.pk}-{key}" if key else None
    intent = gateway.setup_intent(account, customer_id=customer_id, idempotency_key=stripe_key)
    return intent.client_secret


@transaction.atomic
def card_issues_mark_seen(viewer: Viewer, *, mark_all_as_seen: bool | None) -> list[StripeCustomerDetail]:
    """Marks every current card issue the viewer sees as seen (they leave ``cardIssues`` until
    a new charge on the card fails). Returns the cards marked."""
    viewer.require(CHARGE_CLIENTS)
    if not mark_all_as_seen:
        raise ValidationFailed("mark_all_as_seen", "Send mark_all_as_seen true to mark every card issue as seen.")
    from apps.billing.selectors.items import card_issues

    cards = list(card_issues(viewer).select_for_update(of=("self",)).order_by("id"))
    StripeCustomerDetail.objects.filter(pk__in=[c.pk for c in cards]).update(issue_seen_at=now())
    for card in cards:
        card.refresh_from_db()
    return cards
