from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    label = "webhooks"

    def ready(self) -> None:
        from apps.core import jobs
        from webhooks import events, outbox, realtime, worker

        events.register_in_transaction(outbox.write_deliveries)
        events.register_on_commit(realtime.publish)
        jobs.register("webhooks", worker.run_batch)
