from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Webhooks: one subscriber of the event bus (``apps.events``)."""

    name = "webhooks"
    label = "webhooks"

    def ready(self) -> None:
        from apps.core import jobs
        from apps.events import bus
        from webhooks import outbox, worker

        bus.register_in_transaction(outbox.write_deliveries)
        jobs.register_queue("webhooks", worker.run_batch)
