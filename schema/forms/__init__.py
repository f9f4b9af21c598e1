"""Forms: onboarding flows (schema.forms.onboarding_*) and form requests (schema.forms.request_*),
merged into one Query and Mutation for the schema."""

from strawberry.tools import merge_types

from schema.forms.onboarding_mutations import Mutation as OnboardingMutation
from schema.forms.onboarding_queries import Query as OnboardingQuery
from schema.forms.request_mutations import Mutation as RequestMutation
from schema.forms.request_queries import Query as RequestQuery

Query = merge_types("FormsQuery", (OnboardingQuery, RequestQuery))
Mutation = merge_types("FormsMutation", (OnboardingMutation, RequestMutation))

__all__ = ["Mutation", "Query"]
