"""Reads of invoices (``RequestedPayment``) and write-offs, scoped to the viewer.

Members see their organization's invoices except those addressed to patients hidden from them
(a member restricted to their own patients sees only those patients' invoices); a patient sees
the invoices sent to them, never a preview. A third-party payer without an account opens one
invoice with its number and the payer's ``uuid`` (``invoice_for_payer``).

Every invoice row carries what it has received and what was written off as annotations
(``_received``, ``_written_off``, ``_last_item_id``), so a page of invoices with balances costs
the same number of queries whatever its size.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest, Lower

from apps.accounts.selectors import hidden_patients
from apps.accounts.viewer import Viewer
from apps.billing.models import BillingItem, RequestedPayment, WriteOff
from apps.core.errors import NotFound, ValidationFailed
from apps.core.lookup import get_visible, parse_id
from apps.core.ordering import Sort, SortKey, sort_for
from apps.core.text import reject_nul

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=12, decimal_places=2)
UNPAID = (RequestedPayment.NOT_YET_PAID, RequestedPayment.PARTIAL)
# ``status_filter`` values: a group name or one of the statuses themselves (any case).
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "all": (),
    "paid": (RequestedPayment.PAID,),
    "unpaid": UNPAID,
    "not_yet_paid": (RequestedPayment.NOT_YET_PAID,),
    "partially_paid": (RequestedPayment.PARTIAL,),
    "written_off": (RequestedPayment.WRITTEN_OFF,),
    **{status.lower(): (status,) for status in (RequestedPayment.NOT_YET_PAID, RequestedPayment.PARTIAL,
                                                 RequestedPayment.PAID, RequestedPayment.WRITTEN_OFF)},
}


def _received() -> Subquery:
    items = (BillingItem.objects.filter(requested_payment=OuterRef("pk"), state=BillingItem.SUCCEEDED,
                                        deleted_at__isnull=True)
             .order_by().values("requested_payment").annotate(total=Sum(F("amount_paid") - F("refund_amount")))
             .values("total"))
    return Coalesce(Subquery(items, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD)


def _written_off() -> Subquery:
    rows = (WriteOff.objects.filter(requested_payment=OuterRef("pk"), deleted_at__isnull=True)
            .order_by().values("requested_payment").annotate(total=Sum("amount")).values("total"))
    return Coalesce(Subquery(rows, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD)


def _last_item() -> Subquery:
    return Subquery(BillingItem.objects.filter(requested_payment=OuterRef("pk"), state=BillingItem.SUCCEEDED,
                                               deleted_at__isnull=True).order_by("-created_at", "-id").values("id")[:1])


def with_amounts(qs: QuerySet[RequestedPayment]) -> QuerySet[RequestedPayment]:
    return qs.annotate(_received=_received(), _written_off=_written_off(), _last_item_id=_last_item())


def _balance() -> Case:
    """What is still owed (nothing once marked paid by hand), as the ``balance_due`` field shows it."""
    return Case(When(is_manually_paid=True, then=Value(ZERO)),
                default=Greatest(F("price") - _received() - _written_off(), Value(ZERO), output_field=MONEY_FIELD),
                output_field=MONEY_FIELD)


def visible_invoices(viewer: Viewer) -> QuerySet[RequestedPayment]:
    if not viewer.is_authenticated:
        return RequestedPayment.objects.none()
    if viewer.is_patient:
        qs = RequestedPayment.objects.filter(recipient_id=viewer.user_id, deleted_at=None, is_preview=False)
    elif viewer.is_member:
        qs = RequestedPayment.objects.filter(organization_id=viewer.organization_id, deleted_at=None).exclude(
            recipient__in=hidden_patients(viewer))
    else:
        return RequestedPayment.objects.none()
    return with_amounts(qs)


def invoice_get(viewer: Viewer, raw_id: object, *, field: str = "id") -> RequestedPayment:
    return get_visible(visible_invoices(viewer), raw_id, "Requested payment", field=field)


def invoice_for_payer(invoice_id: str | None, uuid: str | None) -> RequestedPayment:
    """A third-party payer's invoice: its number and the payer's uuid must both match."""
    invoice_id, uuid = (invoice_id or "").strip(), (uuid or "").strip()
    if not invoice_id or not uuid or len(uuid) > 64 or len(invoice_id) > 64:
        raise NotFound("invoice_id", "Requested payment not found.")
    found = with_amounts(RequestedPayment.objects.filter(
        invoice_id=invoice_id, requested_payer__uuid=uuid, deleted_at=None, is_preview=False)).first()
    if found is None:
        raise NotFound("invoice_id", "Requested payment not found.")
    return found


def _name(prefix: str) -> Coalesce:
    return Coalesce(Lower(F(f"{prefix}__last_name")), Lower(F("requested_payer__name")), Value(""))


def _sorts() -> dict[str, Sort]:
    table: dict[str, Sort] = {}
    columns = {
        "created_at": F("created_at"), "updated_at": F("updated_at"), "price": F("price"),
        "status": F("status"), "type": F("invoice_type"), "invoice_id": F("invoice_id"),
        "client_name": _name("recipient"), "provider_name": Coalesce(Lower(F("sender__last_name")), Value("")),
        "service_date": Coalesce(F("service_date"), F("created_at")),
    }
    for name, expression in columns.items():
        for direction in ("asc", "desc"):
            table[f"{name}_{direction}"] = [SortKey(f"sort_{name}", direction == "desc", expression)]
    for name, build in {"write_off_amount": _written_off, "balance_due": _balance}.items():
        for direction in ("asc", "desc"):
            table[f"{name}_{direction}"] = (lambda b=build, d=direction, n=name:
                                            [SortKey(f"sort_{n}", d == "desc", b())])
    return table


INVOICE_SORTS = _sorts()


def invoice_sort(sort_by: str | None, order_by: str | None = None) -> list[SortKey]:
    """``sort_by`` (``created_at_desc``, ``price_asc``, ...) or the published ``order_by`` enum value."""
    if order_by:
        return sort_for(INVOICE_SORTS, order_by.lower(), "created_at_desc", argument="order_by")
    return sort_for(INVOICE_SORTS, sort_by, "created_at_desc")


def invoices_filter(viewer: Viewer, *, keywords: str | None = None, only_unpaid: bool | None = None,
                    preview: bool | None = None, sender_id: object = None,
                    status_filter: str | None = None) -> QuerySet[RequestedPayment]:
    qs = visible_invoices(viewer).filter(is_preview=bool(preview))
    if only_unpaid:
        qs = qs.filter(status__in=UNPAID)
    if sender_id not in (None, ""):
        qs = qs.filter(sender_id=parse_id(sender_id) or 0)
    if status_filter not in (None, ""):
        statuses = STATUS_FILTERS.get(status_filter.strip().lower())
        if statuses is None:
            raise ValidationFailed("status_filter", "status_filter must be one of: "
                                                    "all, paid, unpaid, not_yet_paid, partially_paid, written_off.")
        if statuses:
            qs = qs.filter(status__in=statuses)
    if keywords and keywords.strip():
        words = (reject_nul(keywords.strip(), "keywords") or "")[:200]
        qs = qs.filter(Q(status__icontains=words) | Q(invoice_id__icontains=words)
                       | Q(recipient__first_name__icontains=words) | Q(recipient__last_name__icontains=words)
                       | Q(requested_payer__name__icontains=words) | Q(offering__name__icontains=words)
                       | Q(services_provided__icontains=words))
    return qs


def visible_write_offs(viewer: Viewer) -> QuerySet[WriteOff]:
    """Write-offs of the invoices the viewer sees (patients see those of their own invoices)."""
    return WriteOff.objects.filter(deleted_at=None,
                                   requested_payment__in=visible_invoices(viewer).values("pk"))


def write_off_get(viewer: Viewer, raw_id: object, *, field: str = "id") -> WriteOff:
    return get_visible(visible_write_offs(viewer), raw_id, "Write off", field=field)


def invoice_base_price(viewer: Viewer, *, offering_id: object = None, cms1500_id: object = None) -> str | None:
    """The price an invoice for this package starts from (``invoiceBasePrice``). CMS 1500s belong
    to insurance billing, which this product does not have: null."""
    if not viewer.is_member or offering_id in (None, ""):
        return None
    from apps.billing.models import Offering

    offering = get_visible(Offering.objects.filter(organization_id=viewer.organization_id, deleted_at=None),
                           offering_id, "Offering", field="offering_id")
    return f"{offering.price:.2f}"


def sender_can_see_recipient(viewer: Viewer, *, sender_id: object, recipient_id: object) -> bool:
    """Whether the provider ``sender_id`` may see the patient ``recipient_id`` (an invoice's sender
    must, to be named on it). Both must be visible to the viewer, a member."""
    from apps.accounts.selectors import visible_patients, visible_users

    if not viewer.is_member:
        return False
    sender = visible_users(viewer).filter(pk=parse_id(sender_id) or 0, is_patient=False,
                                          organization_id=viewer.organization_id).first()
    recipient = visible_patients(viewer).filter(pk=parse_id(recipient_id) or 0).first()
    if sender is None or recipient is None:
        return False
    return visible_patients(Viewer(user=sender)).filter(pk=recipient.pk).exists()


def monthly_billing_items(viewer: Viewer, *, gross: bool | None = None, org_level: bool | None = None,
                          months: int = 12) -> list[tuple[str, int]]:
    """Money received per month over the last ``months`` months, oldest first, in whole units:
    a patient's own payments; a provider's (payments to them) or, with ``org_level``, the
    organization's (patients hidden from the viewer left out). ``gross`` ignores refunds."""
    import datetime as dt

    from django.db.models.functions import TruncMonth

    from apps.core.timefmt import now

    if not viewer.is_authenticated:
        return []
    today = now()
    back = today.year * 12 + today.month - 1 - (months - 1)
    start = today.replace(year=back // 12, month=back % 12 + 1, day=1, hour=0, minute=0, second=0, microsecond=0)
    items = BillingItem.objects.filter(state=BillingItem.SUCCEEDED, deleted_at__isnull=True,
                                       organization_id=viewer.organization_id, created_at__gte=start)
    if viewer.is_patient:
        items = items.filter(sender_id=viewer.user_id)
    elif not viewer.is_member:
        return []
    elif org_level:
        items = items.exclude(sender__in=hidden_patients(viewer))
    else:
        items = items.filter(recipient_id=viewer.user_id).exclude(sender__in=hidden_patients(viewer))
    amount = F("amount_paid") if gross else F("amount_paid") - F("refund_amount")
    totals = {row["month"].strftime("%Y-%m"): row["total"] for row in
              items.annotate(month=TruncMonth("created_at")).order_by().values("month")
              .annotate(total=Sum(amount)).values("month", "total")}
    result = []
    cursor = start
    while cursor <= today:
        key = cursor.strftime("%Y-%m")
        result.append((key, int(totals.get(key) or 0)))
        cursor = (cursor + dt.timedelta(days=32)).replace(day=1)
    return result
