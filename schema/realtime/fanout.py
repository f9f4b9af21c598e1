"""Executes a subscription event once for every socket that would get the very same result.

A fan-out to N sockets used to run N identical GraphQL executions per event. When the
subscription resolvers of several sockets yield the *same payload object* (``SharedReads``
hands one re-read to every listener whose scoped query is identical, so only listeners
that may all see the record ever share it) and the operation is the same document with
the same variables, the result can be computed once and reused by the others.

That is only safe when the result cannot depend on who is asking. So sharing is limited
to operations whose selection under the single root field consists of plain leaf fields
(attributes of the payload: no custom resolver, no arguments, no directives, no field
extensions or permission classes, no fragments, no nested objects). Anything else, such
as ``locations`` (scoped by the viewer) or ``set_password_link`` (members only), keeps
one execution per socket. Results with errors are never shared.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from graphql import (
    FieldNode,
    GraphQLObjectType,
    OperationDefinitionNode,
    OperationType,
    get_named_type,
    is_leaf_type,
    print_ast,
)
from strawberry.schema.schema import Schema, StrawberryGraphQLCoreExecutionContext

_RESULTS_ATTRIBUTE = "_fanout_shared_results"
_UNSHAREABLE = object()


def _plain_leaf(parent: GraphQLObjectType, node: FieldNode) -> bool:
    if node.directives or node.arguments or node.selection_set is not None:
        return False
    if node.name.value == "__typename":
        return True
    field = parent.fields.get(node.name.value)
    if field is None or field.args or not is_leaf_type(get_named_type(field.type)):
        return False
    definition = (field.extensions or {}).get("strawberry-definition")
    return (definition is not None and definition.base_resolver is None and not definition.extensions
            and not definition.permission_classes)


def share_key(schema: Any, operation: OperationDefinitionNode, variables: Any) -> str | None:
    """The sharing key of a subscription operation, or None when its result may depend on the viewer."""
    if operation.operation != OperationType.SUBSCRIPTION or operation.directives:
        return None
    root_type = schema.subscription_type
    roots = operation.selection_set.selections
    if root_type is None or len(roots) != 1 or not isinstance(roots[0], FieldNode) or roots[0].directives:
        return None
    root = roots[0]
    field = root_type.fields.get(root.name.value)
    target = get_named_type(field.type) if field is not None else None
    if not isinstance(target, GraphQLObjectType) or root.selection_set is None:
        return None
    for node in root.selection_set.selections:
        if not isinstance(node, FieldNode) or not _plain_leaf(target, node):
            return None
    try:
        # graphql-core keeps the coerced values in ``VariableValues.coerced``.
        encoded_variables = json.dumps(getattr(variables, "coerced", variables), sort_keys=True)
    except (TypeError, ValueError):
        return None
    return f"{print_ast(operation)}\n{encoded_variables}"


class SharingExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Per-event executors whose result is provably viewer-independent reuse one execution.

    The cache lives on the payload object itself, so only sockets handed that very object
    (same event, same scoped re-read) can ever reuse each other's results.
    """

    _share_key: Any = None

    def build_per_event_executor(self, payload: Any) -> Any:
        if self._share_key is None:
            key = share_key(self.schema, self.operation, self.variable_values)
            self._share_key = _UNSHAREABLE if key is None else key
        executor = super().build_per_event_executor(payload)
        executor._share_key = self._share_key
        return executor

    def execute_operation(self, serially: bool | None = None) -> Any:
        key = self._share_key
        payload = self.root_value
        if key is None or key is _UNSHAREABLE or payload is None:
            return super().execute_operation(serially)
        try:
            results: dict[str, Any] = payload.__dict__.setdefault(_RESULTS_ATTRIBUTE, {})
        except AttributeError:  # a payload without instance attributes: nothing to hang the cache on
            return super().execute_operation(serially)
        if key in results:
            return results[key]
        result = super().execute_operation(serially)
        if self.is_awaitable(result):
            return self._remember(results, key, result)
        if not result.errors:
            results[key] = result
        return result

    async def _remember(self, results: dict[str, Any], key: str, pending: Any) -> Any:
        result = await pending
        if not result.errors:
            results[key] = result
        return result


def sharing_schema(schema: Schema) -> Schema:
    """A view of ``schema`` for the WebSocket transport that shares identical event executions."""
    shared = copy.copy(schema)
    shared.execution_context_class = SharingExecutionContext
    return shared
