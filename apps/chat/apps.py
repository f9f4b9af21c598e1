from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "apps.chat"
    label = "chat"

    def ready(self) -> None:
        from apps.chat.services import blasts, notes, scheduled

        scheduled.register()
        blasts.register()
        notes.register_groups()
