"""The channel-layer groups subscriptions listen on.

The names are defined once in ``apps.events.groups`` and used by both sides: the
publisher (``apps.events.publish``, which may not import ``schema/``) sends to them and
the subscriptions here listen on them, so the two cannot drift apart.
"""

from apps.events.groups import GROUP_KEY, conversation_group, organization_group, user_group

__all__ = ["GROUP_KEY", "conversation_group", "organization_group", "user_group"]
