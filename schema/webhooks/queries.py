"""Webhook queries: thin resolvers over ``webhooks.selectors``."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.pagination import paginate
from schema.webhooks.types import SentWebhookType, WebhookType
from webhooks import selectors


@strawberry.type
class Query:
    @strawberry.field(description="The organization's webhooks.")
    def webhooks(
        self, info: Info, offset: int | None = None, page_size: int | None = None,
        should_paginate: bool | None = True, after: str | None = None,
    ) -> list[WebhookType]:
        return paginate(selectors.webhooks_visible(info.context.viewer), info,
                        sort=selectors.WEBHOOK_SORT, offset=offset, page_size=page_size,
                        should_paginate=should_paginate, after=after)

    @strawberry.field(description="Number of the organization's webhooks.")
    def webhooksCount(self, info: Info) -> int:  # noqa: N802
        return selectors.webhooks_visible(info.context.viewer).count()

    @strawberry.field(description="One webhook by id.")
    def webhook(self, info: Info, id: strawberry.ID | None = None) -> WebhookType | None:
        return selectors.webhook_get(info.context.viewer, id)

    @strawberry.field(description="The delivery log: every try of every webhook, newest first.")
    def sentWebhooks(  # noqa: N802
        self, info: Info, keywords: str | None = None, order_by: str | None = None, sort_by: str | None = None,
        sent_after: str | None = None, sent_before: str | None = None, resource_id: strawberry.ID | None = None,
        resource_type: str | None = None, failed: bool | None = None, webhook_id: strawberry.ID | None = None,
        offset: int | None = None, page_size: int | None = None, should_paginate: bool | None = True,
        after: str | None = None,
    ) -> list[SentWebhookType]:
        qs = selectors.sent_webhooks_filter(
            info.context.viewer, keywords=keywords, resource_id=resource_id, resource_type=resource_type,
            failed=failed, sent_after=sent_after, sent_before=sent_before, webhook_id=webhook_id)
        return paginate(qs, info, sort=selectors.sent_sort(order_by, sort_by), offset=offset,
                        page_size=page_size, should_paginate=should_paginate, after=after)

    @strawberry.field(description="Number of entries in the delivery log matching the filters.")
    def sentWebhooksCount(  # noqa: N802
        self, info: Info, keywords: str | None = None, sent_after: str | None = None,
        sent_before: str | None = None, resource_id: strawberry.ID | None = None, resource_type: str | None = None,
        failed: bool | None = None, webhook_id: strawberry.ID | None = None,
    ) -> int:
        return selectors.sent_webhooks_filter(
            info.context.viewer, keywords=keywords, resource_id=resource_id, resource_type=resource_type,
            failed=failed, sent_after=sent_after, sent_before=sent_before, webhook_id=webhook_id).count()

    @strawberry.field(description="The organization's Ed25519 public key (whpk_...) for v1a webhook signatures.")
    def webhookSigningPublicKey(self, info: Info) -> str | None:  # noqa: N802
        return selectors.public_key(info.context.viewer)
