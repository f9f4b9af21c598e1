"""Account e-mails, sent after the transaction commits so a rollback sends nothing."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from apps.accounts.models import User

logger = logging.getLogger(__name__)


def _send(subject: str, body: str, to: str) -> None:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except Exception:  # a mail outage must not fail the request that already committed
        logger.exception("could not send '%s' e-mail", subject)


def send_on_commit(subject: str, body: str, user: User) -> None:
    if user.email:
        transaction.on_commit(lambda: _send(subject, body, user.email))


def welcome(user: User) -> None:
    organization = user.organization.name
    send_on_commit(
        f"Welcome to {organization}",
        f"Hello {user.first_name},\n\n{organization} invited you. Set your password with this code: "
        f"{user.signup_token}\n",
        user,
    )


def intake_reminder(user: User) -> None:
    send_on_commit("Please complete your intake forms",
                   f"Hello {user.first_name},\n\nYou have intake forms waiting for you.\n", user)


def form_request_reminder(user: User, requested_form_completion_id: str) -> None:
    send_on_commit("Reminder: a form is waiting for you",
                   f"Hello {user.first_name},\n\nForm request {requested_form_completion_id} is waiting.\n", user)
