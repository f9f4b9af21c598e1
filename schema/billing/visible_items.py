"""Payments listed under another billing object (a purchase, a recurring payment, an invoice):
always the ones the caller may see (``apps.billing.selectors.items.visible_items``), prefetched
for a whole page in one query."""

from __future__ import annotations

import strawberry
from django.db.models import Prefetch
from strawberry_django.optimizer import optimize


def visible_items_prefetch(relation: str, attr: str, *, newest_first: bool = True):
    """Optimizer hint: the visible payments of ``relation`` on ``attr``."""

    def build(info: strawberry.Info) -> Prefetch:
        from apps.billing.selectors.items import visible_items

        order = ("-created_at", "-id") if newest_first else ("created_at", "id")
        return Prefetch(relation, queryset=optimize(visible_items(info.context.viewer).order_by(*order), info),
                        to_attr=attr)

    return build


def visible_items_of(root: object, attr: str, info: strawberry.Info, *, newest_first: bool = True,
                     **lookup: object) -> list:
    """The prefetched payments, or (outside the optimizer, e.g. in a mutation payload) a query."""
    items = getattr(root, attr, None)
    if items is None:
        from apps.billing.selectors.items import visible_items

        order = ("-created_at", "-id") if newest_first else ("created_at", "id")
        items = list(visible_items(info.context.viewer).filter(**lookup).order_by(*order))
    return items
