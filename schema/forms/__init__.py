"""Forms (issue 10): each part's Query and Mutation, merged into one of each for the schema."""

from strawberry.tools import merge_types

from schema.forms.charting_mutations import Mutation as ChartingMutation
from schema.forms.charting_queries import Query as ChartingQuery

Query = merge_types("FormsQuery", (ChartingQuery,))
Mutation = merge_types("FormsMutation", (ChartingMutation,))

__all__ = ["Mutation", "Query"]
