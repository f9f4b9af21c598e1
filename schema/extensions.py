"""Schema-wide gates that run before any resolver."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from schema.permissions import PUBLIC_ROOT_FIELDS


def root_field_names(document, operation_name: str | None) -> set[str]:
    operation: OperationDefinitionNode | None = get_operation_ast(document, operation_name)
    if operation is None:
        return set()
    fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
    names: set[str] = set()
    seen: set[str] = set()

    def walk(selection_set: SelectionSetNode) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                seen.add(selection.name.value)
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    walk(fragment.selection_set)

    walk(operation.selection_set)
    return names


class AuthenticationGate(SchemaExtension):
    """Default deny: an anonymous request may only touch the documented public root fields."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        viewer = getattr(context, "viewer", None)
        document = self.execution_context.graphql_document
        if viewer is not None and not viewer.is_authenticated and document is not None:
            private = root_field_names(document, self.execution_context.operation_name) - PUBLIC_ROOT_FIELDS
            if private:
                response = getattr(context, "response", None)
                if response is not None:
                    response.status_code = 401
                    response["WWW-Authenticate"] = 'Basic realm="api"'
                self.execution_context.result = ExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            "Authentication is required for "
                            + ", ".join(sorted(private))
                            + ": send 'Authorization: Basic <api key>' and 'AuthorizationSource: API'.",
                            extensions={"code": "UNAUTHENTICATED"},
                        )
                    ],
                )
        yield
