from django.apps import AppConfig


class FormsConfig(AppConfig):
    name = "apps.forms"
    label = "forms"

    def ready(self) -> None:
        from apps.accounts.services import groups
        from apps.forms import recurring, reminders
        from apps.forms.services import appointments, files
        from apps.forms.services.onboarding import onboarding_flow_exists

        recurring.register()
        reminders.register()
        # Signed download links of questions' and answers' files (apps.uploads.downloads).
        files.register()
        # completeCheckout saves the booking form through this step (scheduling never imports forms).
        appointments.register()
        # updateUserGroup(onboarding_flow_id:) checks the flow through this hook (accounts never imports forms).
        groups.register_onboarding_flow_lookup(onboarding_flow_exists)
