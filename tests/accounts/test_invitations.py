"""Invitation codes: stored only as a hash, used once at /set_password, expiring, never logged."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.test.utils import override_settings

from apps.accounts.models import User
from apps.core import jobs
from apps.core.crypto import token_hash
from apps.core.errors import ValidationFailed
from apps.events.models import Event
from tests import factories
from tests.conftest import data_of

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
NEW_PASSWORD = "amber-lighthouse-quietly-97"
OTHER_PASSWORD = "velvet-canyon-orchestra-31"
CREATE_CLIENT = """mutation($email: String) { createClient(input: {first_name: "Ines", last_name: "Vale",
  email: $email}) { user { id } messages { field message } } }"""
SIGN_IN = """mutation($email: String, $password: String) { signIn(input: {email: $email, password: $password}) {
  token messages { field message } } }"""
REFUSED_TEXT = "This link is not valid any more."


def invite(gql, keys, email: str = "ines.vale@example.com") -> tuple[User, str]:
    """createClient over HTTP, then the worker sends the welcome e-mail: the patient and their code."""
    mail.outbox.clear()
    created = data_of(gql(CREATE_CLIENT, {"email": email}, key=keys["provider"]))["createClient"]
    assert created["messages"] == []
    jobs.drain()
    [welcome] = mail.outbox
    assert welcome.to == [email]
    return User.objects.get(pk=created["user"]["id"]), factories.invitation_code(welcome.body)


def browser() -> Client:
    return Client(enforce_csrf_checks=True)


def open_link(client: Client, code: str) -> str:
    """GET the link as the e-mail gives it; the form's CSRF token."""
    page = client.get("/set_password", {"signup_token": code})
    assert page.status_code == 200
    html = page.content.decode()
    assert not code or f'name="signup_token" value="{code}"' in html
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def submit(client: Client, code: str, password: str, confirmation: str | None = None):
    csrf = open_link(client, code)
    return client.post("/set_password", {"csrfmiddlewaretoken": csrf, "signup_token": code, "password": password,
                                         "password_confirmation": password if confirmation is None else confirmation})


def signs_in(gql, email: str, password: str) -> bool:
    return data_of(gql(SIGN_IN, {"email": email, "password": password}))["signIn"]["token"] is not None


def everything_stored() -> str:
    """Every row of every table, as text (users, jobs, events, webhook outbox...)."""
    dumped = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            dumped.append(f"{table}: {cursor.fetchall()!r}")
    return "\n".join(dumped)


@pytest.mark.django_db
def test_the_code_is_stored_nowhere_in_clear_nor_logged(gql, world, keys, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, every level
    user, code = invite(gql, keys)
    stored = everything_stored()
    assert code not in stored  # the welcome e-mail job is encrypted; the user row holds the hash only
    assert token_hash(code) in stored  # and the scan did read the users table: the hash is there
    assert submit(browser(), code, NEW_PASSWORD).status_code == 200
    assert code not in everything_stored()
    assert code not in caplog.text


@pytest.mark.django_db
def test_the_welcome_code_sets_the_password_once(gql, world, keys):
    user, code = invite(gql, keys)
    assert not signs_in(gql, user.email, NEW_PASSWORD)
    done = submit(browser(), code, NEW_PASSWORD)
    assert done.status_code == 200 and "Your password is set" in done.content.decode()
    assert signs_in(gql, user.email, NEW_PASSWORD)
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.signup_token_hash, fresh.signup_token_expires_at) == ("", None)
    assert list(Event.objects.filter(event_type="patient.updated").values_list("resource_id", "changed_fields")) == [
        (str(user.pk), ["password"])]
    again = submit(browser(), code, OTHER_PASSWORD)
    assert again.status_code == 400 and REFUSED_TEXT in again.content.decode()
    assert not signs_in(gql, user.email, OTHER_PASSWORD) and signs_in(gql, user.email, NEW_PASSWORD)


@pytest.mark.django_db
def test_a_code_expires_after_the_configured_time(gql, world, keys):
    with override_settings(INVITATION_TOKEN_TTL_HOURS=48), time_machine.travel(START, tick=False) as clock:
        early, early_code = invite(gql, keys, "early@example.com")
        late, late_code = invite(gql, keys, "late@example.com")
        assert "The code works once, for 2 days." in mail.outbox[0].body
        clock.shift(dt.timedelta(hours=48) - dt.timedelta(minutes=1))
        assert submit(browser(), early_code, NEW_PASSWORD).status_code == 200
        clock.shift(dt.timedelta(minutes=2))
        expired = submit(browser(), late_code, NEW_PASSWORD)
    assert expired.status_code == 400 and REFUSED_TEXT in expired.content.decode()
    assert not User.objects.get(pk=late.pk).has_usable_password()
    assert signs_in(gql, early.email, NEW_PASSWORD) and not signs_in(gql, late.email, NEW_PASSWORD)


@pytest.mark.django_db
def test_unknown_used_and_expired_codes_get_one_answer(gql, world, keys):
    user, code = invite(gql, keys)
    answers = {}
    answers["unknown"] = submit(browser(), code[:-2] + "xx", NEW_PASSWORD)
    answers["empty"] = submit(browser(), "", NEW_PASSWORD)
    assert submit(browser(), code, NEW_PASSWORD).status_code == 200
    answers["used"] = submit(browser(), code, OTHER_PASSWORD)
    _, expiring = invite(gql, keys, "second@example.com")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=8)):
        answers["expired"] = submit(browser(), expiring, NEW_PASSWORD)
    archived, archived_code = invite(gql, keys, "third@example.com")
    User.objects.filter(pk=archived.pk).update(active=False)
    answers["archived"] = submit(browser(), archived_code, NEW_PASSWORD)
    bodies = {name: (response.status_code, re.sub(r'value="[^"]*"', "", response.content.decode()))
              for name, response in answers.items()}
    assert len(set(bodies.values())) == 1, bodies
    assert next(iter(bodies.values()))[0] == 400


@pytest.mark.django_db
def test_a_weak_or_mismatched_password_keeps_the_code(gql, world, keys):
    user, code = invite(gql, keys)
    weak = submit(browser(), code, "password")
    assert weak.status_code == 400
    assert "Password is too weak" in weak.content.decode()
    assert f'name="signup_token" value="{code}"' in weak.content.decode()  # the form comes back, code kept
    short = submit(browser(), code, "Ines-1")
    assert "Password is too short (minimum is 8 characters)" in short.content.decode()
    named = submit(browser(), code, "ines.vale@example.com")  # the rules of signUp: not the user's own details
    assert named.status_code == 400
    mismatch = submit(browser(), code, NEW_PASSWORD, confirmation=OTHER_PASSWORD)
    assert "Password confirmation does not match the password" in mismatch.content.decode()
    assert User.objects.get(pk=user.pk).signup_token_hash == token_hash(code)
    assert not signs_in(gql, user.email, NEW_PASSWORD)
    assert submit(browser(), code, NEW_PASSWORD).status_code == 200
    assert signs_in(gql, user.email, NEW_PASSWORD)


@pytest.mark.django_db
def test_a_post_without_the_forms_csrf_token_is_refused(gql, world, keys):
    user, code = invite(gql, keys)
    client = browser()
    open_link(client, code)
    forged = client.post("/set_password", {"signup_token": code, "password": NEW_PASSWORD,
                                           "password_confirmation": NEW_PASSWORD})
    assert forged.status_code == 403
    assert User.objects.get(pk=user.pk).signup_token_hash == token_hash(code)
    assert submit(browser(), code, NEW_PASSWORD).status_code == 200


@pytest.mark.django_db
@override_settings(RATE_LIMIT_SET_PASSWORD_PER_MINUTE=3)
def test_attempts_are_rate_limited_per_client_address(gql, world, keys):
    user, code = invite(gql, keys)
    for _ in range(3):
        assert submit(browser(), "cpi_guess", NEW_PASSWORD).status_code == 400
    limited = submit(browser(), code, NEW_PASSWORD)
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert User.objects.get(pk=user.pk).signup_token_hash == token_hash(code)  # not consumed
    elsewhere = Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.9")
    assert submit(elsewhere, code, NEW_PASSWORD).status_code == 200


@pytest.mark.django_db
def test_the_page_loads_nothing_from_elsewhere_and_is_not_cached():
    page = Client().get("/set_password", {"signup_token": "cpi_x"})
    html = page.content.decode()
    assert page.status_code == 200 and "<form" in html and 'action="/set_password"' in html
    assert not re.search(r"(src|href)=", html) and "<script" not in html
    assert page["Cache-Control"] == "no-store" and page["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in page["Content-Security-Policy"]
    # Without a code in the link, the form asks for the one from the e-mail.
    typed = Client().get("/set_password").content.decode()
    assert '<input type="text" name="signup_token"' in typed
    assert Client().put("/set_password").status_code == 405


@pytest.mark.django_db
def test_a_code_typed_from_the_email_works_too(gql, world, keys):
    user, code = invite(gql, keys)
    client = browser()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get("/set_password").content.decode())[1]
    done = client.post("/set_password", {"csrfmiddlewaretoken": csrf, "signup_token": f"  {code} ",
                                         "password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD})
    assert done.status_code == 200 and signs_in(gql, user.email, NEW_PASSWORD)


@pytest.mark.django_db
def test_resending_the_welcome_replaces_the_earlier_code(gql, world, keys):
    user, first = invite(gql, keys)
    mail.outbox.clear()
    resend = "mutation($id: ID) { updateClient(input: {id: $id, resend_welcome: true}) { messages { field } } }"
    resent = data_of(gql(resend, {"id": str(user.pk)}, key=keys["provider"]))
    assert resent == {"updateClient": {"messages": []}}
    jobs.drain()
    second = factories.invitation_code(mail.outbox[0].body)
    assert second != first
    assert submit(browser(), first, NEW_PASSWORD).status_code == 400
    assert submit(browser(), second, NEW_PASSWORD).status_code == 200


@pytest.mark.django_db
def test_an_invited_member_sets_their_password_the_same_way(gql, world, keys):
    created = data_of(gql("""mutation { createOrganizationMembership(input: {first_name: "Rhea", last_name: "Moss",
        email: "rhea.moss@example.com"}) { organizationMembership { id } messages { field } } }""",
                          key=keys["owner"]))
    assert created["createOrganizationMembership"]["messages"] == []
    jobs.drain()
    code = factories.invitation_code(mail.outbox[0].body)
    assert submit(browser(), code, NEW_PASSWORD).status_code == 200
    assert signs_in(gql, "rhea.moss@example.com", NEW_PASSWORD)


@pytest.mark.django_db
def test_a_member_created_with_a_password_gets_no_pending_invitation(gql, world, keys):
    created = data_of(gql("""mutation { createOrganizationMembership(input: {first_name: "Ned", last_name: "Ray",
        email: "ned.ray@example.com", password: "copper-meadow-twilight-58"}) {
        organizationMembership { user { id } } messages { field } } }""", key=keys["owner"]))
    user = User.objects.get(pk=created["createOrganizationMembership"]["organizationMembership"]["user"]["id"])
    assert (user.signup_token_hash, user.signup_token_expires_at) == ("", None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (concurrent transactions)")
def test_two_concurrent_uses_of_one_code_set_one_password(world):
    from apps.accounts.services import invitations

    user = factories.patient(world.org, provider=world.provider, email="race@example.com")
    code = invitations.invitation_issue(user)
    user.save()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def use(password: str) -> None:
        try:
            barrier.wait(5)
            invitations.invitation_accept(code=code, password=password, password_confirmation=password,
                                          client_address=f"198.51.100.{len(password)}")
            outcomes.append(password)
        except ValidationFailed as refused:
            outcomes.append(refused.messages[0].field)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=use, args=(p,)) for p in (NEW_PASSWORD, OTHER_PASSWORD + "x")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(outcomes) == 2
    winners = [o for o in outcomes if o != "signup_token"]
    assert len(winners) == 1 and outcomes.count("signup_token") == 1
    assert User.objects.get(pk=user.pk).check_password(winners[0])


@pytest.mark.django_db(transaction=True)
def test_the_migration_hashes_plain_codes_already_mailed(settings):
    executor = MigrationExecutor(connection)
    before, after = [("accounts", "0001_initial")], [("accounts", "0002_hash_signup_tokens")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    org = old.get_model("accounts", "Organization").objects.create(name="Legacy Care")
    OldUser = old.get_model("accounts", "User")
    pending = OldUser.objects.create(organization=org, first_name="Old", last_name="Invite", email="o@example.com",
                                     password="!", signup_token="legacy-plain-code-123")
    done = OldUser.objects.create(organization=org, first_name="Has", last_name="Password", email="h@example.com",
                                  password="!", signup_token="")
    with time_machine.travel(START, tick=False):
        executor = MigrationExecutor(connection)
        executor.migrate(after)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    rows = dict(User.objects.filter(pk__in=[pending.pk, done.pk]).values_list("pk", "signup_token_hash"))
    assert rows == {pending.pk: token_hash("legacy-plain-code-123"), done.pk: ""}
    assert User.objects.get(pk=pending.pk).signup_token_expires_at == START + dt.timedelta(
        hours=settings.INVITATION_TOKEN_TTL_HOURS)
    assert "legacy-plain-code-123" not in everything_stored()
    # The code mailed before the migration still works, once.
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        assert submit(browser(), "legacy-plain-code-123", NEW_PASSWORD).status_code == 200
    assert User.objects.get(pk=pending.pk).check_password(NEW_PASSWORD)


VALIDATE = "query($token: String) { validateSignupToken(token: $token) }"


@pytest.mark.django_db
def test_validate_signup_token_is_public_and_changes_nothing(gql, world, keys):
    user, code = invite(gql, keys)
    assert gql(VALIDATE, {"token": code}) == {"data": {"validateSignupToken": True}}  # no credentials
    assert User.objects.get(pk=user.pk).signup_token_hash == token_hash(code)  # a read: nothing used up
    for wrong in (code + "x", "", None, "x" * 5000):
        assert gql(VALIDATE, {"token": wrong}) == {"data": {"validateSignupToken": False}}
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=8)):
        assert gql(VALIDATE, {"token": code}) == {"data": {"validateSignupToken": False}}
    assert submit(browser(), code, NEW_PASSWORD).status_code == 200
    assert gql(VALIDATE, {"token": code}) == {"data": {"validateSignupToken": False}}


@pytest.mark.django_db
@override_settings(RATE_LIMIT_SET_PASSWORD_PER_MINUTE=2)
def test_validate_signup_token_shares_the_pages_rate_limit(gql, world, keys):
    user, code = invite(gql, keys)
    assert gql(VALIDATE, {"token": "cpi_guess"})["data"] == {"validateSignupToken": False}
    assert submit(browser(), "cpi_guess", NEW_PASSWORD).status_code == 400
    limited = gql.raw(VALIDATE, {"token": code})
    assert limited.status_code == 429
    assert [e["extensions"]["code"] for e in limited.json()["errors"]] == ["RATE_LIMITED"]


@pytest.mark.django_db
def test_a_patient_without_email_is_invited_through_the_payloads_link(gql, world, keys):
    created = data_of(gql("""mutation { createClient(input: {first_name: "Opal", last_name: "Grant",
        skipped_email: true}) { user { id set_password_link } messages { field message } } }""",
                          key=keys["provider"]))["createClient"]
    assert mail.outbox == [] and jobs.drain() == 0  # no address, no e-mail
    link = created["user"]["set_password_link"]
    client = browser()
    page = client.get(link)  # the link exactly as given
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    code = link.split("signup_token=", 1)[1]
    done = client.post("/set_password", {"csrfmiddlewaretoken": csrf, "signup_token": code,
                                         "password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD})
    assert done.status_code == 200
    assert User.objects.get(pk=created["user"]["id"]).check_password(NEW_PASSWORD)
