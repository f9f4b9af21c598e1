from django.apps import AppConfig


class FormsConfig(AppConfig):
    name = "apps.forms"
    label = "forms"

    def ready(self) -> None:
        from apps.accounts.services import groups
        from apps.forms import recurring
        from apps.forms.services import appointments
        from apps.forms.services.onboarding import onboarding_flow_exists

        recurring.register()
        # completeCheckout saves the booking form through this step (scheduling never imports forms).
        appointments.register()
        # updateUserGroup(onboarding_flow_id:) checks the flow through this hook (accounts never imports forms).
        groups.register_onboarding_flow_lookup(onboarding_flow_exists)
