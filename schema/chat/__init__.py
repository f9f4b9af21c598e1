"""Chat: conversations and memberships (schema.chat.queries/mutations/subscriptions) and notes
(schema.chat.note_*), merged into one Query, Mutation and Subscription for the schema."""

from strawberry.tools import merge_types

from schema.chat.mutations import Mutation as ConversationMutation
from schema.chat.note_mutations import Mutation as NoteMutation
from schema.chat.note_queries import Query as NoteQuery
from schema.chat.note_subscriptions import Subscription as NoteSubscription
from schema.chat.queries import Query as ConversationQuery
from schema.chat.subscriptions import Subscription as ConversationSubscription

Query = merge_types("ChatQuery", (ConversationQuery, NoteQuery))
Mutation = merge_types("ChatMutation", (ConversationMutation, NoteMutation))
Subscription = merge_types("ChatSubscription", (ConversationSubscription, NoteSubscription))

__all__ = ["Mutation", "Query", "Subscription"]
