from django.apps import AppConfig


def _membership_groups(event) -> list[str]:
    """A membership's events go to its user's group (their conversation list)."""
    from apps.chat.models import ConversationMembership
    from apps.events.groups import user_group

    user_id = ConversationMembership.objects.filter(pk=event.resource_id).values_list("user_id", flat=True).first()
    return [user_group(user_id)] if user_id else []


def _conversation_groups(event) -> list[str]:
    from apps.events.groups import conversation_group

    return [conversation_group(event.resource_id)]


class ChatConfig(AppConfig):
    name = "apps.chat"
    label = "chat"

    def ready(self) -> None:
        from apps.chat.services import automatic, blasts, notes, scheduled
        from apps.events import bus, publish

        # A patient given a primary provider gets their two-person conversation in the same
        # transaction, without accounts importing chat.
        bus.register_in_transaction(automatic.on_event)
        publish.register_groups("ConversationMembership", _membership_groups)
        publish.register_groups("Conversation", _conversation_groups)
        notes.register_groups()
        scheduled.register()
        blasts.register()
