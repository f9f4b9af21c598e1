"""The catalogue of question types (``CustomModule.mod_type``) and the validation of one answer.

Neither the seed nor the published schema enumerates ``mod_type`` (it is a plain ``String``);
the names below are the ones the form builder of the published product uses. Every part of
the forms domain reads them from here: templates refuse unknown types, filled-out forms
validate each answer with ``validate_answer``.

An answer is stored as text (``FormAnswer.answer``). ``validate_answer`` returns the
normalized text to store, or raises ``ValidationFailed`` on the field ``answer`` (the caller
renames it to ``form_answers.<n>.answer``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from apps.core.errors import ValidationFailed

MAX_ANSWER_CHARS = 20_000
MAX_SHORT_ANSWER_CHARS = 1_000
MAX_MATRIX_CELLS = 2_500
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+().\-\s]{7,25}$")
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})(?:\s*([AaPp][Mm]))?\s*$")


@dataclass(frozen=True)
class QuestionType:
    name: str
    kind: str  # how its answer is checked: text, number, date, time, choice, choices, matrix, ...
    read_only: bool = False
    computed: bool = False
    description: str = ""


_TYPES: tuple[QuestionType, ...] = (
    QuestionType("text", "short_text", description="One line of text."),
    QuestionType("textarea", "text", description="Free text over several lines."),
    QuestionType("number", "number", description="A number (integer or decimal)."),
    QuestionType("date", "date", description="A date, stored as YYYY-MM-DD."),
    QuestionType("time", "time", description="A clock time, stored as HH:MM (24 hours)."),
    QuestionType("email", "email", description="An email address."),
    QuestionType("phone", "phone", description="A phone number."),
    QuestionType("location", "text", description="A postal address as free text."),
    QuestionType("name", "short_text", description="A person's name."),
    QuestionType("radio", "choice", description="One of the options."),
    QuestionType("horizontal_radio", "choice", description="One of the options, laid out on a line."),
    QuestionType("dropdown", "choice", description="One of the options, from a list."),
    QuestionType("yes_no", "yes_no", description="Yes or No."),
    QuestionType("checkbox", "choices", description="Any of the options, newline-separated."),
    QuestionType("horizontal_checkbox", "choices", description="Any of the options, laid out on a line."),
    QuestionType("agree_to_above", "agree", description="The patient agrees to the text above (true/false)."),
    QuestionType("matrix", "matrix", description="A grid: a JSON array of rows, each an array of cells."),
    QuestionType("signature", "signature", description="A drawn signature (data URL) or a typed name."),
    QuestionType("document", "text", description="A reference to an uploaded document (its id or name)."),
    QuestionType("height", "number", description="Height in inches (or centimetres for BMI(cm) forms)."),
    QuestionType("weight", "number", description="Weight in pounds (or kilograms for BMI(cm) forms)."),
    QuestionType("bmi(in.)", "bmi", computed=True,
                 description="Body mass index computed from the form's height (in) and weight (lb) answers."),
    QuestionType("bmi(cm)", "bmi", computed=True,
                 description="Body mass index computed from the form's height (cm) and weight (kg) answers."),
    QuestionType("label", "none", read_only=True, description="A heading or explanatory text; takes no answer."),
    QuestionType("read_only", "none", read_only=True, description="Read-only text; takes no answer."),
    QuestionType("staticText", "none", read_only=True, description="Read-only rich text; takes no answer."),
    QuestionType("image", "none", read_only=True, description="A read-only image; takes no answer."),
    QuestionType("staticLink", "none", read_only=True, description="A read-only link; takes no answer."),
    QuestionType("hipaa", "none", read_only=True, description="A read-only HIPAA notice; takes no answer."),
)

QUESTION_TYPES: dict[str, QuestionType] = {t.name: t for t in _TYPES}
MOD_TYPES: frozenset[str] = frozenset(QUESTION_TYPES)
READ_ONLY_MOD_TYPES: frozenset[str] = frozenset(t.name for t in _TYPES if t.read_only)
CHOICE_MOD_TYPES: frozenset[str] = frozenset(t.name for t in _TYPES if t.kind in ("choice", "choices"))
COMPUTED_MOD_TYPES: frozenset[str] = frozenset(t.name for t in _TYPES if t.computed)


def question_type(mod_type: str | None) -> QuestionType | None:
    return QUESTION_TYPES.get(mod_type or "")


def is_read_only(mod_type: str | None) -> bool:
    return (mod_type or "") in READ_ONLY_MOD_TYPES


def options_of(module) -> list[str]:
    """The choices of a choice question: its ``options`` text, one per line (blank lines ignored)."""
    return [line.strip() for line in (module.options or "").splitlines() if line.strip()]


def _fail(message: str) -> ValidationFailed:
    return ValidationFailed("answer", message)


def _number(text: str) -> str:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation as error:
        raise _fail("must be a number") from error
    if not value.is_finite():
        raise _fail("must be a number")
    if abs(value) >= Decimal("1e15"):
        raise _fail("is too large")
    normalized = format(value.normalize(), "f")
    return normalized


def _date(text: str) -> str:
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%B %d, %Y", "%b %d, %Y"):
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise _fail("must be a date like 2024-05-31")


def _time(text: str) -> str:
    match = _TIME.match(text)
    if not match:
        raise _fail("must be a time like 14:30")
    hour, minute, meridiem = int(match.group(1)), int(match.group(2)), match.group(3)
    if meridiem:
        if not 1 <= hour <= 12:
            raise _fail("must be a time like 14:30")
        hour = hour % 12 + (12 if meridiem.lower() == "pm" else 0)
    if hour > 23 or minute > 59:
        raise _fail("must be a time like 14:30")
    return f"{hour:02d}:{minute:02d}"


def _choice(module, text: str) -> str:
    options = options_of(module)
    if options and text not in options:
        raise _fail("is not one of the question's options")
    return text


def _choices(module, text: str) -> str:
    picked = [part.strip() for part in re.split(r"\r?\n", text) if part.strip()]
    options = options_of(module)
    if options:
        unknown = [p for p in picked if p not in options]
        if unknown:
            raise _fail("is not one of the question's options")
    # Keep the question's order and drop repeats so equal answers compare equal.
    picked = [o for o in options if o in picked] if options else list(dict.fromkeys(picked))
    return "\n".join(picked)


def _matrix(text: str) -> str:
    try:
        rows = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise _fail("must be a JSON array of rows (arrays of cells)") from error
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _fail("must be a JSON array of rows (arrays of cells)")
    cells = 0
    for row in rows:
        for cell in row:
            if not (cell is None or isinstance(cell, str | int | float | bool)):
                raise _fail("matrix cells must be text, numbers or booleans")
            cells += 1
    if cells > MAX_MATRIX_CELLS:
        raise _fail("has too many cells")
    return json.dumps(rows, separators=(",", ":"), ensure_ascii=False)


_YES = {"yes", "true", "y", "1"}
_NO = {"no", "false", "n", "0"}


def validate_answer(module, raw: object) -> str:
    """The normalized answer to ``module`` (a ``CustomModule``), or ``ValidationFailed("answer", ...)``.

    ``None`` and blank text mean "not answered": refused for a required question, stored as
    "" otherwise. A read-only block takes no answer. A computed question (BMI) accepts a
    number (the service computes it from height and weight when they are answered).
    """
    qtype = question_type(module.mod_type)
    text = "" if raw is None else str(raw)
    if "\x00" in text:
        raise _fail("contains a NUL character")
    if len(text) > MAX_ANSWER_CHARS:
        raise _fail(f"is longer than {MAX_ANSWER_CHARS} characters")
    stripped = text.strip()
    if qtype is not None and qtype.read_only:
        if stripped:
            raise _fail("this question is read-only and takes no answer")
        return ""
    if not stripped:
        if module.required and not (qtype is not None and qtype.computed):
            raise _fail("is required")
        return ""
    kind = qtype.kind if qtype is not None else "text"
    if kind == "short_text":
        if len(stripped) > MAX_SHORT_ANSWER_CHARS:
            raise _fail(f"is longer than {MAX_SHORT_ANSWER_CHARS} characters")
        return stripped
    if kind in ("text", "signature"):
        return text
    if kind in ("number", "bmi"):
        return _number(stripped)
    if kind == "date":
        return _date(stripped)
    if kind == "time":
        return _time(stripped)
    if kind == "email":
        if not _EMAIL.match(stripped) or len(stripped) > 254:
            raise _fail("must be an email address")
        return stripped
    if kind == "phone":
        if not _PHONE.match(stripped):
            raise _fail("must be a phone number")
        return stripped
    if kind == "choice":
        return _choice(module, stripped)
    if kind == "choices":
        return _choices(module, text)
    if kind == "yes_no":
        if stripped.lower() in _YES:
            return "Yes"
        if stripped.lower() in _NO:
            return "No"
        raise _fail("must be Yes or No")
    if kind == "agree":
        if stripped.lower() in _YES:
            return "true"
        if stripped.lower() in _NO:
            if module.required:
                raise _fail("must be agreed to")
            return "false"
        raise _fail("must be true or false")
    if kind == "matrix":
        return _matrix(stripped)
    return text


def compute_bmi(mod_type: str, height: str, weight: str) -> str | None:
    """The BMI (one decimal) from normalized height and weight answers, or ``None`` when either
    is missing or not positive. ``bmi(in.)`` reads inches and pounds, ``bmi(cm)`` centimetres
    and kilograms."""
    try:
        h, w = Decimal(height), Decimal(weight)
    except (InvalidOperation, TypeError):
        return None
    if h <= 0 or w <= 0:
        return None
    value = w / (h / 100) ** 2 if mod_type == "bmi(cm)" else Decimal(703) * w / h ** 2
    return str(value.quantize(Decimal("0.1")))
