"""Products sold with packages (``createProduct`` / ``updateProduct`` / ``deleteProduct``).

``remaining_quantity`` is the stock left; ``unlimited_quantity`` drops the count. A product
with ``tax_rate`` is taxable: its tax (percent of the price) is added to a package's
``initial_price_with_taxes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction

from apps.accounts.viewer import Viewer
from apps.billing.models import Product
from apps.billing.selectors import packages as selectors
from apps.core.errors import Collector
from apps.core.inputs import UNSET, Unset, is_set
from apps.core.money import Money, MoneyError
from apps.core.text import reject_nul
from apps.core.timefmt import now

PERMISSION = "can_edit_products"
MAXIMUM_AMOUNT = Decimal("1000000000.00")


@dataclass(frozen=True)
class ProductInput:
    name: str | None | Unset = UNSET
    price: str | None | Unset = UNSET
    remaining_quantity: str | None | Unset = UNSET
    unlimited_quantity: bool | None | Unset = UNSET
    tax_rate: str | None | Unset = UNSET
    tax_description: str | None | Unset = UNSET


def _values(errors: Collector, data: ProductInput, *, creating: bool) -> dict[str, object]:
    values: dict[str, object] = {}
    if is_set(data.name) or creating:
        name = (reject_nul(data.name or "", "name") or "").strip()
        if not name:
            errors.add("name", "Name can't be blank.")
        elif len(name) > 255:
            errors.add("name", "Name is at most 255 characters.")
        values["name"] = name
    if is_set(data.price) or creating:
        if data.price in (None, "", UNSET):
            errors.add("price", "Price can't be blank.")
        else:
            try:
                price = Money.parse(data.price)
            except MoneyError as error:
                errors.add("price", str(error))
            else:
                if price.amount < 0:
                    errors.add("price", "Price can't be negative.")
                elif price.amount > MAXIMUM_AMOUNT:
                    errors.add("price", f"Price is at most {MAXIMUM_AMOUNT}.")
                values["price"] = price.amount
    if is_set(data.remaining_quantity) and data.remaining_quantity not in (None, ""):
        text = str(data.remaining_quantity).strip()
        if not (text.isascii() and text.isdigit()) or int(text) > 10_000_000:
            errors.add("remaining_quantity", "'remaining_quantity' must be a whole number of at least 0.")
        else:
            values["quantity"] = int(text)
    elif data.unlimited_quantity is False and creating:
        errors.add("remaining_quantity", "Give the remaining quantity, or set unlimited_quantity.")
    if data.unlimited_quantity is True:
        values["quantity"] = None
    if is_set(data.tax_rate):
        if data.tax_rate in (None, ""):
            values["tax_rate"], values["taxable"] = None, False
        else:
            try:
                rate = Decimal(str(data.tax_rate).strip())
            except (InvalidOperation, ValueError):
                rate = None
            if rate is None or not rate.is_finite() or rate < 0 or rate > 100 or rate != rate.quantize(
                    Decimal("0.001")):
                errors.add("tax_rate", "'tax_rate' is a percentage from 0 to 100 with at most 3 decimals.")
            else:
                values["tax_rate"], values["taxable"] = rate, rate > 0
    if is_set(data.tax_description):
        text = (reject_nul(data.tax_description or "", "tax_description") or "").strip()
        if len(text) > 255:
            errors.add("tax_description", "'tax_description' is at most 255 characters.")
        values["tax_description"] = text
    return values


@transaction.atomic
def create_product(viewer: Viewer, data: ProductInput) -> Product:
    viewer.require(PERMISSION)
    errors = Collector()
    values = _values(errors, data, creating=True)
    errors.raise_if_any()
    return Product.objects.create(organization_id=viewer.organization_id, user=viewer.user, **values)


@transaction.atomic
def update_product(viewer: Viewer, raw_id: object, data: ProductInput) -> Product:
    viewer.require(PERMISSION)
    product = selectors.product_get(viewer, raw_id)
    errors = Collector()
    values = _values(errors, data, creating=False)
    errors.raise_if_any()
    for name, value in values.items():
        setattr(product, name, value)
    product.save()
    return product


@transaction.atomic
def delete_product(viewer: Viewer, raw_id: object) -> Product:
    viewer.require(PERMISSION)
    product = selectors.product_get(viewer, raw_id)
    product.deleted_at = now()
    product.save(update_fields=["deleted_at", "updated_at"])
    return product


def tax_of(product: Product, price: Decimal | None = None) -> Decimal:
    """The tax on one unit at ``price`` (the product's own price when not given)."""
    if not product.taxable or not product.tax_rate:
        return Decimal("0.00")
    base = product.price if price is None else price
    return Money(base * product.tax_rate / Decimal(100)).amount
