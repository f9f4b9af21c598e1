"""What Stripe knows about the organization's own account: its company, bank account, payouts
("transfers" in the published API) and the countries Stripe supports.

Each organization connects its own Stripe account with its keys (see ``StripeAccount``), so
these are read from Stripe each time through ``apps.billing.gateway`` and never stored or
invented here. Changing verification details or bank accounts is done in the organization's
Stripe dashboard: Stripe's API lets a platform change only the accounts it created (Connect),
which a self-hosted deployment does not have.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from apps.accounts.viewer import OWNER, Viewer
from apps.billing import gateway
from apps.billing.models import StripeAccount
from apps.core.errors import NotFound, ValidationFailed
from apps.core.lookup import parse_id
from apps.core.money import Money
from apps.core.timefmt import format_datetime

VERIFICATION_NOT_AVAILABLE = ("Verification details and bank accounts are managed in your organization's Stripe "
                              "dashboard; they cannot be changed through this API.")
MAX_TRANSFERS = 100
TRANSFER_SORTS = {"created_at_desc", "created_at_asc", "amount_desc", "amount_asc", "status_desc", "status_asc",
                  "expected_to_happen_asc", "expected_to_happen_desc"}


def _account(viewer: Viewer, permission: str = OWNER) -> StripeAccount | None:
    viewer.require(permission, message="Only the organization owner can see its Stripe account.")
    return StripeAccount.objects.filter(organization_id=viewer.organization_id).first()


def payout_accounts(viewer: Viewer) -> list[dict[str, Any]]:
    """The organization's one Stripe account, as a payout account (none when none is connected)."""
    account = _account(viewer, "can_charge_clients")
    if account is None:
        return []
    return [{"id": str(account.pk), "name": account.organization.name,
             "uuid": account.account_id or f"stripe-account-{account.pk}",
             "created_at": format_datetime(account.created_at), "updated_at": format_datetime(account.updated_at)}]


def payout_account(viewer: Viewer, raw_id: object) -> dict[str, Any]:
    for found in payout_accounts(viewer):
        if parse_id(raw_id) is not None and found["id"] == str(parse_id(raw_id)):
            return found
    raise NotFound("id", "Payout account not found.")


def _payout_account_for(viewer: Viewer, payout_account_id: object) -> StripeAccount | None:
    account = _account(viewer, "can_charge_clients")
    if payout_account_id not in (None, "") and (account is None or parse_id(payout_account_id) != account.pk):
        raise NotFound("payout_account_id", "Payout account not found.")
    return account


def _stamp(seconds: Any) -> str | None:
    if not seconds:
        return None
    return format_datetime(dt.datetime.fromtimestamp(int(seconds), tz=dt.UTC))


def _transfer(payout: dict[str, Any]) -> dict[str, Any]:
    currency = payout.get("currency") or "usd"
    amount = Money.from_minor_units(int(payout.get("amount") or 0), currency)
    return {"id": payout["id"], "amount": str(amount.amount), "currency": currency.upper(),
            "displayed_amount": f"{amount.amount:,.2f} {currency.upper()}",
            "expected_to_happen": _stamp(payout.get("arrival_date")),
            "displayed_expected_to_happen": _stamp(payout.get("arrival_date")),
            "initiated": _stamp(payout.get("created")), "displayed_initiated": _stamp(payout.get("created")),
            "status": payout.get("status"), "type": payout.get("type"),
            # Fees and the number of transactions of a payout need one more Stripe request per payout
            # (its balance transactions); they are not read here.
            "fees": None, "transactions_count": None}


def transfers(viewer: Viewer, *, limit: int | None = None, payout_account_id: object = None,
              starting_after: str | None = None, sort_by: str | None = None) -> list[dict[str, Any]]:
    """One page of payouts, newest first as Stripe lists them; ``sort_by`` reorders that page."""
    account = _payout_account_for(viewer, payout_account_id)
    size = 10 if limit is None else limit
    if not 1 <= size <= MAX_TRANSFERS:
        raise ValidationFailed("limit", f"'limit' must be between 1 and {MAX_TRANSFERS}.")
    key = (sort_by or "created_at_desc").strip().lower()
    if key not in TRANSFER_SORTS:
        raise ValidationFailed("sort_by", f"'sort_by' must be one of: {', '.join(sorted(TRANSFER_SORTS))}.")
    if account is None:
        return []
    page = gateway.list_payouts(account, limit=size, starting_after=starting_after or None)
    rows = [_transfer(p) for p in page.get("data", [])]
    name, _, direction = key.rpartition("_")
    column = {"created_at": "_created", "amount": "_amount", "status": "status",
              "expected_to_happen": "_arrival"}[name]
    raw = {p["id"]: p for p in page.get("data", [])}
    for row in rows:
        source = raw[row["id"]]
        row["_created"], row["_amount"], row["_arrival"] = (source.get("created") or 0, source.get("amount") or 0,
                                                            source.get("arrival_date") or 0)
    rows.sort(key=lambda r: (r[column] or "", r["id"]) if column == "status" else (r[column], r["id"]),
              reverse=direction == "desc")
    for row in rows:
        for hidden in ("_created", "_amount", "_arrival"):
            row.pop(hidden)
    return rows


def more_transfers(viewer: Viewer, *, limit: int | None = None, payout_account_id: object = None,
                   starting_after: str | None = None) -> bool:
    """``paginate_transfers``: whether Stripe has more payouts after this page."""
    account = _payout_account_for(viewer, payout_account_id)
    size = 10 if limit is None else limit
    if not 1 <= size <= MAX_TRANSFERS:
        raise ValidationFailed("limit", f"'limit' must be between 1 and {MAX_TRANSFERS}.")
    if account is None:
        return False
    return bool(gateway.list_payouts(account, limit=size, starting_after=starting_after or None).get("has_more"))


def company(viewer: Viewer) -> dict[str, Any] | None:
    account = _account(viewer)
    if account is None:
        return None
    data = gateway.retrieve_account(account)
    info = data.get("company") or {}
    if not info and data.get("business_type") != "company":
        return None
    address = info.get("address") or {}
    document = ((info.get("verification") or {}).get("document") or {})
    return {"name": info.get("name"), "phone": info.get("phone"), "tax_id_provided": info.get("tax_id_provided"),
            "directors_provided": info.get("directors_provided"),
            "executives_provided": info.get("executives_provided"), "owners_provided": info.get("owners_provided"),
            "verification": document.get("details") or document.get("details_code")
            or ((data.get("requirements") or {}).get("disabled_reason")),
            "address": {k: address.get(k) for k in ("city", "country", "line1", "line2", "postal_code", "state")}}


def bank_account(viewer: Viewer) -> dict[str, Any] | None:
    account = _account(viewer)
    if account is None:
        return None
    data = gateway.retrieve_account(account)
    banks = [b for b in ((data.get("external_accounts") or {}).get("data") or []) if b.get("object") == "bank_account"]
    if not banks:
        return None
    bank = next((b for b in banks if b.get("default_for_currency")), banks[0])
    person = data.get("individual") or {}
    address = person.get("address") or (data.get("company") or {}).get("address") or {}
    dob = person.get("dob") or {}
    routing = bank.get("routing_number") or ""
    document = (person.get("verification") or {}).get("document") or {}
    return {"id": bank.get("id"), "account_holder_name": bank.get("account_holder_name"),
            "account_holder_type": bank.get("account_holder_type"), "accounts_number_last_4": bank.get("last4"),
            "routing_number_last_4": routing[-4:] or None, "currency": (bank.get("currency") or "").upper() or None,
            "country": bank.get("country"), "city": address.get("city"), "line1": address.get("line1"),
            "line2": address.get("line2"), "state": address.get("state"), "zip": address.get("postal_code"),
            "dob": (f"{dob['year']:04d}-{dob['month']:02d}-{dob['day']:02d}"
                    if dob.get("year") and dob.get("month") and dob.get("day") else None),
            "id_image_provided": bool(document.get("front")) if person else None,
            "ssn_last_4_provided": person.get("ssn_last_4_provided") if person else None,
            "tax_id_provided": (data.get("company") or {}).get("tax_id_provided")}


def _country(spec: dict[str, Any]) -> dict[str, Any]:
    currencies = sorted((spec.get("supported_bank_account_currencies") or {}).keys())
    # Stripe gives no country name or bank-form labels; those stay null.
    return {"country_code": spec.get("id"), "name": None, "currency": spec.get("default_currency"),
            "accepted_currencies": currencies, "field1": None, "field2": None}


def countries(viewer: Viewer) -> list[dict[str, Any]]:
    account = _account(viewer, "can_charge_clients")
    if account is None:
        return []
    return [_country(spec) for spec in gateway.list_country_specs(account)]


def country(viewer: Viewer, country_code: str | None) -> dict[str, Any] | None:
    account = _account(viewer, "can_charge_clients")
    code = (country_code or "").strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ValidationFailed("country_code", "country_code must be a two-letter ISO country code.")
    if account is None:
        return None
    return _country(gateway.retrieve_country_spec(account, code))


def update_verification_details(viewer: Viewer) -> None:
    """Always refused with a ``messages`` entry: see the module docstring."""
    viewer.require(OWNER, message="Only the organization owner can change its Stripe account.")
    raise ValidationFailed(None, VERIFICATION_NOT_AVAILABLE)
