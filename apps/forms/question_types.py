"""Stand-in catalogue of question types (``CustomModule.mod_type``) written by helper
"templates"; helper "answers" owns this module and its version (with ``validate_answer``)
replaces this one at merge."""

from __future__ import annotations

# Types whose questions collect an answer.
ANSWERED = frozenset({
    "text", "textarea", "number", "date", "time", "phone", "email", "radio", "horizontal_radio", "checkbox",
    "dropdown", "yes_no", "matrix", "signature", "file", "bmi", "agree_to_above", "location", "hipaa",
})
# Blocks that only show text or pictures.
READ_ONLY = frozenset({"label", "read_only", "staticText", "image", "section"})
# Types whose ``options`` hold the choices (newline separated).
WITH_OPTIONS = frozenset({"radio", "horizontal_radio", "checkbox", "dropdown", "matrix"})
MOD_TYPES = ANSWERED | READ_ONLY
