"""Schema-wide gates that run before any resolver: query size limits and authentication."""

from __future__ import annotations

from collections.abc import Callable, Iterator

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
from graphql.validation import ASTValidationRule, ValidationContext
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from apps.core.errors import ErrorCode
from schema.permissions import PUBLIC_ROOT_FIELDS

# Cost guards. Every documented operation nests at most 4 levels and has under 150 tokens;
# these bounds leave ample room while refusing documents built to exhaust the server (deep
# cyclic nesting like user { dietitian { care_team { ... } } }, or hundreds of aliased copies of
# an expensive list). Introspection fields do not count towards the depth.
MAX_QUERY_DEPTH = 10
MAX_ALIASES = 50
MAX_TOKENS = 5000
LIMIT_CODE = ErrorCode.QUERY_TOO_COMPLEX


def _coded(rule: type[ASTValidationRule], code: str) -> type[ASTValidationRule]:
    """``rule`` with ``extensions.code`` on the errors it reports, so clients can tell a refused
    document from a mistyped one. Strawberry's limiters report only while being constructed."""

    class Coded(rule):  # type: ignore[misc, valid-type]
        def __init__(self, context: ValidationContext) -> None:
            report = context.report_error

            def report_with_code(error: GraphQLError) -> None:
                error.extensions = {**(error.extensions or {}), "code": code}
                report(error)

            context.report_error = report_with_code  # type: ignore[method-assign]
            try:
                super().__init__(context)
            finally:
                del context.report_error  # back to the class's method

    Coded.__name__ = f"Coded{rule.__name__}"
    return Coded


# Built once: the validation cache is keyed by the rule classes, so a class made per request
# would never hit the cache.
LIMIT_RULES: tuple[type[ASTValidationRule], ...] = (
    _coded(QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH).validation_rules[0], LIMIT_CODE),
    _coded(MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules[0], LIMIT_CODE),
)


def query_limits() -> list[Callable[[], SchemaExtension]]:
    """Extension factories (strawberry builds a fresh extension per request from each)."""
    return [lambda: AddValidationRules(list(LIMIT_RULES)), lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS)]


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


class FreshMemo(SchemaExtension):
    """Empties the context's memo when an operation starts: a socket keeps one context for all
    its operations, and what one operation read must not be taken as current by a later one."""

    def on_execute(self) -> Iterator[None]:
        memo = getattr(self.execution_context.context, "memo", None)
        if memo is not None:
            memo.clear()
        yield


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
                            extensions={"code": ErrorCode.UNAUTHENTICATED},
                        )
                    ],
                )
        yield


class OperationNameRequired(SchemaExtension):
    """A document with several operations needs ``operationName`` (GraphQL spec, GetOperation).

    Strawberry would otherwise run the first operation, so a client that forgot the name
    gets the wrong operation's data instead of a request error.
    """

    def on_validate(self) -> Iterator[None]:
        # Before the yield: Strawberry decides whether to execute inside the validation step, and
        # ValidationCache (listed earlier) has already stored the document's validation errors.
        context = self.execution_context
        document = context.graphql_document
        # ``operation_name`` falls back to the first operation's name; only what the client sent counts.
        requested = getattr(context, "_provided_operation_name", None)
        if document is not None and requested is None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                error = GraphQLError("Must provide operationName when the document contains several operations.",
                                     extensions={"code": ErrorCode.BAD_USER_INPUT})
                context.pre_execution_errors = [*(context.pre_execution_errors or []), error]
        yield


def _unencodable(text: str) -> bool:
    """A lone surrogate (JSON allows ``"\\ud800"``) has no UTF-8 form: no database or log can take it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _bad_text_paths(value: object, path: str) -> Iterator[str]:
    if isinstance(value, str):
        if _unencodable(value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _bad_text_paths(key, f"{path}.<key>")
            yield from _bad_text_paths(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _bad_text_paths(item, f"{path}[{index}]")


class TextInputGuard(SchemaExtension):
    """Refuses text that cannot be encoded (lone surrogates) before any resolver sees it.

    One check for every argument of every operation, so no service, filter or log line has
    to cope with it; the error names the variable path or argument that carried the text.
    String literals in the document cannot carry one (the lexer refuses them).
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        bad = [p for name, value in (context.variables or {}).items() for p in _bad_text_paths(value, f"${name}")]
        if bad:
            context.result = ExecutionResult(data=None, errors=[GraphQLError(
                f"{bad[0]} contains a character that cannot be encoded (a lone UTF-16 surrogate).",
                extensions={"code": ErrorCode.BAD_USER_INPUT, "field": bad[0]},
            )])
        yield
