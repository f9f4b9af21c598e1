"""The ``billing.charge_recurring`` job: charging a recurring payment when it is due.

One job per recurring payment is pending at a time (``services.recurring.schedule``). The job
runs in its own transaction holding the recurring payment's row lock and charges only when the
payment is due; a duplicated or late job finds it not due (or already charged) and charges
nothing. Each try carries its own idempotency key, ``recurring-<id>-<charge number>-<try>``, so
a job retried after a crash replays the same Stripe request instead of charging twice, while a
retry after a decline is a new request (Stripe would replay the decline of a reused key).

A declined renewal is recorded as a ``failed`` ``BillingItem``, retried after each delay of
``settings.BILLING_RENEWAL_RETRY_HOURS``, and the organization is e-mailed; when the last retry
fails too the recurring payment is paused. A success after failures marks the failed tries of
that charge as retried (``successful_retried_payment``).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction

from apps.billing.models import BillingItem, RecurringPayment
from apps.billing.services import recurring as plans
from apps.core import jobs
from apps.core.errors import ValidationFailed
from apps.core.jobs import email
from apps.core.jobs.models import Job
from apps.core.timefmt import now

log = logging.getLogger(__name__)

# The job itself is not retried by the runner: a failed charge is a business outcome recorded
# in the handler's transaction, with its own retry schedule (settings) below.
JOB_RETRY = jobs.RetrySchedule(delays=(dt.timedelta(minutes=5), dt.timedelta(minutes=30)),
                               window=dt.timedelta(hours=2), jitter=0.1)


def retry_delays() -> list[dt.timedelta]:
    return [dt.timedelta(hours=h) for h in getattr(settings, "BILLING_RENEWAL_RETRY_HOURS", (24, 72, 168))]


def _tell_organization(plan: RecurringPayment, item: BillingItem, *, retry_at: dt.datetime | None) -> None:
    organization = plan.organization
    owner = organization.owner
    if owner is None or not owner.email:
        return
    patient = plan.sender
    next_step = (f"It will be retried on {retry_at:%Y-%m-%d %H:%M} UTC." if retry_at else
                 "No retry is left: the recurring payment is paused until someone resumes it.")
    email.send_later(
        [owner.email], f"A recurring payment of {patient.full_name} failed",
        f"The renewal of {plan.offering.name if plan.offering else 'a package'} for {patient.full_name} "
        f"({item.amount_paid} {item.currency.upper()}) failed: {item.failure_reason}\n{next_step}\n",
        organization_id=plan.organization_id, about=f"recurring_payment:{plan.pk}")


def charge_due(job: Job) -> None:
    from apps.billing.services.packages import grant_credits, renewal_amount
    from apps.billing.services.payments import PaymentRequest, take_payment
    from apps.events.bus import emit

    plan = (RecurringPayment.objects.select_for_update(of=("self",))
            .select_related("sender", "offering", "offering_coupon", "organization__owner", "stripe_customer_detail")
            .filter(pk=job.payload.get("recurring_payment_id")).first())
    if plan is None:
        raise jobs.Cancel("the recurring payment no longer exists")
    due = plans.due_at(plan)
    current = now()
    if due is None or due > current:
        raise jobs.Cancel("not due (canceled, paused, finished or rescheduled)")
    number = plan.payments_made + 1
    amount = renewal_amount(plan, plan.offering_coupon, number)
    selection = plan.offering and plan.offering.user_package_selections.filter(recurring_payment=plan).first()
    card = plan.stripe_customer_detail if plan.stripe_customer_detail and not \
        plan.stripe_customer_detail.deleted_at else None
    links = {"offering": plan.offering, "recurring_payment": plan, "user_package_selection": selection,
             "offering_coupon": plan.offering_coupon if amount.amount < plan.original_price else None}
    key = f"recurring-{plan.pk}-{number}-{plan.failed_attempts}"
    try:
        with transaction.atomic():
            item = take_payment(PaymentRequest(
                sender=plan.sender, amount=amount, recipient=plan.recipient, card=card, idempotency_key=key,
                description=f"Renewal of {plan.offering.name if plan.offering else 'a package'}",
                original_price=None, links=links))
    except ValidationFailed as error:  # a decline, no card, or Stripe unreachable
        _record_failure(plan, amount, links, error, current)
        return
    BillingItem.objects.filter(recurring_payment=plan, state=BillingItem.FAILED,
                               successful_retried_payment__isnull=True).update(successful_retried_payment=item)
    emit("billing_item.created", item, organization_id=plan.organization_id)
    plan.payments_made = number
    plan.failed_attempts, plan.next_retry_at = 0, None
    plan.next_payment_date = None if plans.is_finished(plan) else plans.next_after(plan, current, first_index=number)
    plan.save(update_fields=["payments_made", "failed_attempts", "next_retry_at", "next_payment_date", "updated_at"])
    if plan.offering is not None:
        grant_credits(plan.sender, plan.offering, repeating_only=True)
    plans.schedule(plan)


def _record_failure(plan: RecurringPayment, amount, links, error: ValidationFailed, current: dt.datetime) -> None:
    from apps.events.bus import emit

    card = plan.stripe_customer_detail
    item = BillingItem.objects.create(
        organization_id=plan.organization_id, sender=plan.sender, recipient=plan.recipient,
        amount_paid=amount.amount, currency=amount.currency, state=BillingItem.FAILED,
        failure_reason=str(error)[:255], stripe_error=getattr(error, "decline_code", "")[:100],
        stripe_customer_detail=card, card_brand=card.card_type if card else "",
        card_last4=card.last_four if card else "", **links)
    emit("billing_item.created", item, organization_id=plan.organization_id)
    delays = retry_delays()
    attempt = plan.failed_attempts
    plan.failed_attempts = attempt + 1
    if attempt < len(delays):
        plan.next_retry_at = current + delays[attempt]
    else:
        plan.next_retry_at = None
        plan.is_paused, plan.paused_at = True, current
    plan.save(update_fields=["failed_attempts", "next_retry_at", "is_paused", "paused_at", "updated_at"])
    log.info("renewal of recurring payment %s failed (try %s)", plan.pk, plan.failed_attempts)
    _tell_organization(plan, item, retry_at=plan.next_retry_at)
    plans.schedule(plan)


def register() -> None:
    jobs.register_kind(plans.KIND, charge_due, retry=JOB_RETRY)
