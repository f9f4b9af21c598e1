"""Money: ``Decimal`` with two places and a currency; minor units only at the Stripe boundary."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
# Amounts with more integer digits than this are refused by ``parse`` (no price is that large).
MAX_DIGITS_BEFORE_POINT = 15
# Currencies whose Stripe amount has no minor unit.
ZERO_DECIMAL_CURRENCIES = frozenset({"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg",
                                     "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"})


class MoneyError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Money:
    amount: Decimal
    currency: str = "usd"

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", Decimal(self.amount).quantize(CENT, rounding=ROUND_HALF_UP))
        object.__setattr__(self, "currency", self.currency.lower())

    @classmethod
    def parse(cls, text: str | int | float | Decimal, currency: str = "usd") -> Money:
        """Reads user input such as ``"12.5"``; refuses NaN, infinities and more than 2 decimals."""
        try:
            value = Decimal(str(text).strip().replace(",", ""))
        except (InvalidOperation, ValueError) as error:
            raise MoneyError(f"'{str(text)[:30]}' is not an amount of money.") from error
        if not value.is_finite():
            raise MoneyError("An amount of money must be a finite number.")
        if value.adjusted() >= MAX_DIGITS_BEFORE_POINT:
            # quantize() would overflow the decimal context (InvalidOperation) long before this.
            raise MoneyError("An amount of money that large is not accepted.")
        if value != value.quantize(CENT):
            raise MoneyError("An amount of money has at most two decimal places.")
        return cls(value, currency)

    def to_minor_units(self) -> int:
        if self.currency in ZERO_DECIMAL_CURRENCIES:
            return int(self.amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return int((self.amount * 100).to_integral_value(rounding=ROUND_HALF_UP))

    @classmethod
    def from_minor_units(cls, units: int, currency: str = "usd") -> Money:
        if currency.lower() in ZERO_DECIMAL_CURRENCIES:
            return cls(Decimal(units), currency)
        return cls(Decimal(units) / 100, currency)

    def __add__(self, other: Money) -> Money:
        if self.currency != other.currency:
            raise MoneyError("Cannot add amounts in different currencies.")
        return Money(self.amount + other.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount:.2f}"
