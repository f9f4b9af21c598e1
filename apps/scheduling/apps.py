from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "apps.scheduling"
    label = "scheduling"

    def ready(self) -> None:
        from apps.accounts.services import patients
        from apps.scheduling import notifications
        from apps.scheduling.services.credits import apply_credit_attributes

        notifications.register()
        patients.register_client_update_hook(apply_credit_attributes)
