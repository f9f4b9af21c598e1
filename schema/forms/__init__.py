"""Forms (issue 10): templates and questions, filled-out forms, charting, onboarding and
requests, each part's Query, Mutation and Subscription merged into one of each for the schema."""

from strawberry.tools import merge_types

import schema.forms.intake_group_fields  # noqa: F401  (registers UserGroup fields before the schema is built)
from schema.forms.answer_mutations import Mutation as AnswerMutation
from schema.forms.answer_queries import Query as AnswerQuery
from schema.forms.answer_subscriptions import Subscription as AnswerSubscription
from schema.forms.appointment_mutations import Mutation as AppointmentMutation
from schema.forms.charting_mutations import Mutation as ChartingMutation
from schema.forms.charting_queries import Query as ChartingQuery
from schema.forms.file_mutations import Mutation as FileMutation
from schema.forms.intake_mutations import Mutation as IntakeMutation
from schema.forms.intake_queries import Query as IntakeQuery
from schema.forms.onboarding_mutations import Mutation as OnboardingMutation
from schema.forms.onboarding_queries import Query as OnboardingQuery
from schema.forms.request_mutations import Mutation as RequestMutation
from schema.forms.request_queries import Query as RequestQuery
from schema.forms.template_mutations import Mutation as TemplateMutation
from schema.forms.template_queries import Query as TemplateQuery
from schema.permissions import register_public

# Templates are public to view (seed 002); the resolver never answers filled-out forms to
# anonymous callers (schema.forms.template_types.form_answer_groups is scoped to the viewer).
register_public("customModuleForm")

Query = merge_types("FormsQuery", (TemplateQuery, AnswerQuery, ChartingQuery, OnboardingQuery, RequestQuery,
                                    IntakeQuery))
Mutation = merge_types("FormsMutation", (TemplateMutation, AnswerMutation, ChartingMutation, OnboardingMutation,
                                         RequestMutation, FileMutation, AppointmentMutation, IntakeMutation))
Subscription = merge_types("FormsSubscription", (AnswerSubscription,))

__all__ = ["Mutation", "Query", "Subscription"]
