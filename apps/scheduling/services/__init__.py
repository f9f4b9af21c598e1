"""Scheduling writes. Each public function runs in one transaction, takes the viewer, ids
and a typed input (``apps.scheduling.inputs``) as keyword arguments, checks permissions with
``viewer.require``, and raises ``ValidationFailed`` for input problems and ``NotFound`` (naming
the input field) for ids the viewer cannot see."""
