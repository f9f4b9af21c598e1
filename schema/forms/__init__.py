"""Forms: templates and questions (schema.forms.template_*), merged into one Query and Mutation."""

from strawberry.tools import merge_types

from schema.forms.template_mutations import Mutation as TemplateMutation
from schema.forms.template_queries import Query as TemplateQuery
from schema.permissions import register_public

# Templates are public to view (seed 002); the resolver never answers filled-out forms to
# anonymous callers (schema.forms.template_types.form_answer_groups is scoped to the viewer).
register_public("customModuleForm")

Query = merge_types("FormsQuery", (TemplateQuery,))
Mutation = merge_types("FormsMutation", (TemplateMutation,))

__all__ = ["Mutation", "Query"]
