"""Channel-layer group names: the one contract between publisher and subscribers.

The publisher (``apps.events.publish``) sends each thin event to these groups; the
subscription side (``schema.realtime``) listens on them. Both import the names from
here because ``apps/`` may not import ``schema/``: a name spelled twice would let the
two sides drift apart silently (events sent to a group nobody listens on).

A domain with its own groups defines the name function next to these and maps events
to it with ``apps.events.publish.register_groups``.
"""

from __future__ import annotations

# The key of a published message that names the group it was sent to. One process-wide
# listener receives every group of its process on one channel and routes on this key.
GROUP_KEY = "group"


def user_group(user_id: object) -> str:
    return f"user.{user_id}"


def organization_group(organization_id: object) -> str:
    return f"org.{organization_id}"


def conversation_group(conversation_id: object) -> str:
    """Every event about a conversation's notes (and the conversation itself) goes here."""
    return f"conversation.{conversation_id}"
