"""Scheduling writes. Each public function runs in one transaction, takes the viewer
and keyword-only values, and raises ``ValidationFailed`` for input problems."""
