from __future__ import annotations

import datetime as dt

import strawberry

from apps.core.errors import ValidationFailed
from apps.core.timefmt import TimeFormatError, parse_datetime
from schema.context import Info
from schema.pagination import SortKey, by_id, paginate
from schema.permissions import require_member
from schema.webhooks.types import SentWebhookType, WebhookType
from webhooks import selectors

SENT_SORTS: dict[str, list[SortKey]] = {
    "created_at_desc": [SortKey("created_at", True)],
    "created_at_asc": [SortKey("created_at", False)],
}


def _time(name: str, value: str | None) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        return parse_datetime(value)
    except TimeFormatError as error:
        raise ValidationFailed(name, f"'{name}': {error}") from error


def _sent_filter(info: Info, *, keywords, resource_id, resource_type, failed, sent_after, sent_before, webhook_id):
    viewer = require_member(info)
    return selectors.sent_webhooks_filter(
        viewer, keywords=keywords, resource_id=resource_id, resource_type=resource_type, failed=failed,
        sent_after=_time("sent_after", sent_after), sent_before=_time("sent_before", sent_before),
        webhook_id=webhook_id,
    )


@strawberry.type
class Query:
    @strawberry.field(description="The organization's webhooks.")
    def webhooks(
        self, info: Info, offset: int | None = None, page_size: int | None = None,
        should_paginate: bool | None = True, after: str | None = None,
    ) -> list[WebhookType]:
        viewer = require_member(info)
        return paginate(selectors.webhooks_visible(viewer), info, sort=by_id(), offset=offset,
                        page_size=page_size, should_paginate=should_paginate, after=after)

    @strawberry.field(description="Number of the organization's webhooks.")
    def webhooksCount(self, info: Info) -> int:  # noqa: N802
        return selectors.webhooks_visible(require_member(info)).count()

    @strawberry.field(description="One webhook by id.")
    def webhook(self, info: Info, id: strawberry.ID | None = None) -> WebhookType | None:
        return selectors.webhook_get(require_member(info), id)

    @strawberry.field(description="The delivery log: every try of every webhook, newest first.")
    def sentWebhooks(  # noqa: N802
        self, info: Info, keywords: str | None = None, order_by: str | None = None, sort_by: str | None = None,
        sent_after: str | None = None, sent_before: str | None = None, resource_id: strawberry.ID | None = None,
        resource_type: str | None = None, failed: bool | None = None, webhook_id: strawberry.ID | None = None,
        offset: int | None = None, page_size: int | None = None, should_paginate: bool | None = True,
        after: str | None = None,
    ) -> list[SentWebhookType]:
        key = (order_by or sort_by or "created_at_desc").strip().lower()
        if key not in SENT_SORTS:
            raise ValidationFailed("order_by", f"'order_by' must be one of: {', '.join(sorted(SENT_SORTS))}.")
        qs = _sent_filter(info, keywords=keywords, resource_id=resource_id, resource_type=resource_type, failed=failed,
                          sent_after=sent_after, sent_before=sent_before, webhook_id=webhook_id)
        return paginate(qs, info, sort=SENT_SORTS[key], offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)

    @strawberry.field(description="Number of entries in the delivery log matching the filters.")
    def sentWebhooksCount(  # noqa: N802
        self, info: Info, keywords: str | None = None, sent_after: str | None = None,
        sent_before: str | None = None, resource_id: strawberry.ID | None = None, resource_type: str | None = None,
        failed: bool | None = None, webhook_id: strawberry.ID | None = None,
    ) -> int:
        return _sent_filter(info, keywords=keywords, resource_id=resource_id, resource_type=resource_type,
                            failed=failed, sent_after=sent_after, sent_before=sent_before,
                            webhook_id=webhook_id).count()

    @strawberry.field(description="The organization's Ed25519 public key (whpk_...) for v1a webhook signatures.")
    def webhookSigningPublicKey(self, info: Info) -> str | None:  # noqa: N802
        return selectors.public_key(require_member(info))
