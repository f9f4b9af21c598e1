"""Mutation payloads: the one factory that declares them and the one mapper that fills them.

Every mutation resolver is ``return run(SomePayload, lambda: service(...), "field")``:
the service's result goes into ``field`` and ``messages`` is ``[]``; a ``ValidationFailed``
or ``NotFound`` it raises becomes ``messages { field message code }`` (the service's
transaction has rolled back, so nothing was written). Access errors are not caught here:
they are top-level errors (``schema/errors.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import strawberry

from apps.core.errors import FieldMessage, NotFound, ValidationFailed
from schema.errors import FieldErrorType

P = TypeVar("P")


def payload_type(name: str, description: str | None = None, *, non_null: Iterable[str] = (), **fields: Any) -> type:
    """A payload type named ``name`` with nullable ``fields`` and the documented ``messages`` list.

    ``non_null`` names fields the published schema declares non-null; ``run`` must then give
    them a value on failure too (its ``failed`` mapping).
    """
    required = set(non_null)
    annotations: dict[str, Any] = {field: kind if field in required else kind | None
                                   for field, kind in fields.items()}
    annotations["messages"] = list[FieldErrorType] | None
    namespace: dict[str, Any] = {"__annotations__": annotations, **dict.fromkeys(annotations)}
    return strawberry.type(type(name, (), namespace), name=name, description=description)


def field_errors(messages: Iterable[FieldMessage]) -> list[FieldErrorType]:
    return [FieldErrorType(field=m.field, message=m.message, code=m.code.value) for m in messages]


def run(payload: type[P], call: Callable[[], Any], field: str | None = None, *,
        failed: Mapping[str, Any] | None = None) -> P:
    """Runs one service call and builds ``payload`` from its result or its input problems.

    With ``field``, the result fills that payload field; without, the call returns a mapping
    of payload fields. ``failed`` gives payload fields their value when the call failed.
    """
    try:
        result = call()
    except ValidationFailed as error:
        return payload(messages=field_errors(error.messages), **(failed or {}))  # type: ignore[call-arg]
    except NotFound as error:
        return payload(messages=field_errors([error.as_message()]), **(failed or {}))  # type: ignore[call-arg]
    values = {field: result} if field is not None else dict(result)
    return payload(**values, messages=[])  # type: ignore[call-arg]


def provided(data: object | None) -> dict[str, Any]:
    """The input fields the client actually sent (``UNSET`` ones are left out).

    Input builders (``schema/<domain>/inputs.py``) use it to tell "not sent" from "sent as
    null" before they build a service's typed input.
    """
    if data is None:
        return {}
    return {k: v for k, v in vars(data).items() if v is not strawberry.UNSET}

