from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "apps.billing"
    label = "billing"

    def ready(self) -> None:
        from apps.billing import recurring_job

        # completeCheckout's payment and package paths run as a step of the booking transaction.
        from apps.billing.services import checkout_payments  # noqa: F401

        recurring_job.register()
