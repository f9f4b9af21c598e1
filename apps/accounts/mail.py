"""Account e-mails, enqueued as durable e-mail jobs in the caller's transaction.

A rolled-back change sends nothing; a committed one is sent by ``run_worker`` even if
the web process dies right after the commit. Bodies are stored encrypted (they carry
sign-up codes).
"""

from __future__ import annotations

from django.conf import settings

from apps.accounts.models import User
from apps.accounts.services.invitations import SET_PASSWORD_PATH
from apps.core.jobs import email


def _send_later(subject: str, body: str, user: User) -> None:
    email.send_later([user.email], subject, body, organization_id=user.organization_id, about=f"user:{user.pk}")


def welcome(user: User, code: str) -> None:
    """``code`` is the plain invitation code: the database keeps only its hash."""
    organization = user.organization.name
    hours = settings.INVITATION_TOKEN_TTL_HOURS
    count, unit = (hours // 24, "day") if hours % 24 == 0 else (hours, "hour")
    valid = f"{count} {unit}{'' if count == 1 else 's'}"
    _send_later(
        f"Welcome to {organization}",
        f"Hello {user.first_name},\n\n{organization} invited you. Set your password at {SET_PASSWORD_PATH} "
        f"on this service with this code: {code}\n\nThe code works once, for {valid}.\n",
        user,
    )


def intake_reminder(user: User) -> None:
    _send_later("Please complete your intake forms",
                f"Hello {user.first_name},\n\nYou have intake forms waiting for you.\n", user)


def form_request_reminder(user: User, requested_form_completion_id: str) -> None:
    _send_later("Reminder: a form is waiting for you",
                f"Hello {user.first_name},\n\nForm request {requested_form_completion_id} is waiting.\n", user)


def form_requested(user: User, form_name: str) -> None:
    _send_later(f"Please complete: {form_name}",
                f"Hello {user.first_name},\n\nYour provider asked you to complete the form \"{form_name}\". "
                "Sign in to fill it out.\n", user)
