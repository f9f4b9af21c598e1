"""Shared helpers of the chat conversation tests."""

from __future__ import annotations

from typing import Any

from tests.conftest import data_of

CREATE = """mutation($users: String, $owner: ID, $name: String) {
  createConversation(input: {simple_added_users: $users, owner_id: $owner, name: $name}) {
    conversation { id name owner { id } conversation_memberships_count }
    messages { field message }
  }
}"""

UPDATE = """mutation($id: ID, $users: String, $name: String, $closed: ID) {
  updateConversation(input: {id: $id, simple_added_users: $users, name: $name, closed_by_id: $closed}) {
    conversation { id name closed_date conversation_memberships { user_id } }
    messages { field message }
  }
}"""

MEMBERSHIPS = """query($status: String, $read: String, $type: String, $keywords: String, $client: String,
                      $provider: ID, $n: Int, $order: String) {
  conversationMemberships(active_status: $status, read_status: $read, conversation_type: $type,
                          keywords: $keywords, client_id: $client, provider_id: $provider, page_size: $n,
                          order_by: $order) {
    id viewed archived user_id convo { id }
  }
  conversationMembershipsCount(active_status: $status, read_status: $read, conversation_type: $type,
                               keywords: $keywords, client_id: $client, provider_id: $provider)
}"""

MARK = """mutation($id: ID, $viewed: Boolean, $archived: Boolean) {
  updateConversationMembership(input: {id: $id, viewed: $viewed, archived: $archived}) {
    conversation_membership { id viewed archived }
    messages { field message }
  }
}"""


def doc_ids(*users: Any) -> str:
    return ",".join(f"user-{u.pk}" for u in users)


def create(gql, key: str, users: str | None, **extra: Any) -> dict[str, Any]:
    return data_of(gql(CREATE, {"users": users, **extra}, key=key))["createConversation"]
