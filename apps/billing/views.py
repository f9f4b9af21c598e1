"""Stripe's webhook endpoint: ``POST /stripe/webhooks/<organization id>``.

Answers 200 to a processed, replayed or ignored event, 400 to anything that is not an event
signed with the organization's Stripe webhook secret (forged, altered, stale), and 404 to an
organization without a Stripe account. A failure while handling propagates (a 500), so Stripe
retries it later; nothing of it was kept.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.billing.models import StripeAccount
from apps.billing.services import stripe_webhooks
from apps.core.lookup import parse_id

MAX_BODY = 512 * 1024


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest, organization_id: str) -> JsonResponse:
    pk = parse_id(organization_id)
    if not pk or not StripeAccount.objects.filter(organization_id=pk).exists():
        return JsonResponse({"error": "Not found."}, status=404)
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit() or int(length) > MAX_BODY:
        return JsonResponse({"error": "Payload too large."}, status=413)
    signature = request.headers.get("Stripe-Signature", "")
    if not signature:
        return JsonResponse({"error": "Missing Stripe-Signature header."}, status=400)
    try:
        outcome = stripe_webhooks.receive(pk, request.body, signature)
    except stripe_webhooks.NotGenuine:
        return JsonResponse({"error": "The event's signature could not be verified."}, status=400)
    return JsonResponse({"received": True, "outcome": outcome})
