"""Forms: filled-out forms (schema.forms.answer_*), merged into one Query, Mutation and Subscription."""

from strawberry.tools import merge_types

from schema.forms.answer_mutations import Mutation as AnswerMutation
from schema.forms.answer_queries import Query as AnswerQuery
from schema.forms.answer_subscriptions import Subscription as AnswerSubscription

Query = merge_types("FormsQuery", (AnswerQuery,))
Mutation = merge_types("FormsMutation", (AnswerMutation,))
Subscription = merge_types("FormsSubscription", (AnswerSubscription,))

__all__ = ["Mutation", "Query", "Subscription"]
