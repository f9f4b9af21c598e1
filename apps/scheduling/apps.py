from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "apps.scheduling"
    label = "scheduling"

    def ready(self) -> None:
        from apps.accounts import selectors as account_selectors
        from apps.accounts.services import patients
        from apps.scheduling import notifications
        from apps.scheduling.selectors import next_appointment_start_subquery
        from apps.scheduling.services.credits import apply_credit_attributes

        notifications.register()
        patients.register_client_update_hook(apply_credit_attributes)
        # users(sort_by: "next_appt_asc" | "next_appt_desc"), without accounts importing scheduling.
        account_selectors.register_user_date_sort("next_appt", next_appointment_start_subquery)
