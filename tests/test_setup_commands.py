"""The set-up commands: ``seed_demo`` is idempotent and prints working keys; the schema check bites."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from apps.accounts.models import (
    ApiKey,
    AppliedTag,
    Location,
    Organization,
    OrganizationMembership,
    Tag,
    User,
    UserGroup,
)
from apps.events.models import Event
from schema.management.commands.export_schema import schema_sdl
from tests.conftest import data_of, error_codes
from tests.test_schema_file import schema_file_problem

KEY_LINE = re.compile(r"^\s+(owner|provider|staff|patient)\s+(cp_\S+)", re.MULTILINE)
ORG_NAMES = ["Cedar Ridge Memory Care", "Sentinel PACE"]


def seed() -> tuple[str, list[tuple[str, str]]]:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    return text, KEY_LINE.findall(text)


def snapshot() -> dict[str, int]:
    return {
        "organizations": Organization.objects.count(),
        "users": User.objects.count(),
        "memberships": OrganizationMembership.objects.count(),
        "groups": UserGroup.objects.count(),
        "tags": Tag.objects.count(),
        "applied_tags": AppliedTag.objects.count(),
        "locations": Location.objects.count(),
        "events": Event.objects.count(),
    }


@pytest.mark.django_db(transaction=True)
def test_seed_demo_creates_two_organizations_with_people(gql):
    _, keys = seed()
    assert sorted(Organization.objects.values_list("name", flat=True)) == ORG_NAMES
    for org in Organization.objects.all():
        assert org.owner is not None and org.location is not None
        assert User.objects.filter(organization=org, is_patient=True).count() == 12
        roles = sorted(OrganizationMembership.objects.filter(organization=org).values_list("org_role", flat=True))
        assert roles == ["Standard", "Standard", "Standard", "Support"]
        assert UserGroup.objects.filter(organization=org).count() == 2
        assert AppliedTag.objects.filter(tag__organization=org).count() == 9
    assert [role for role, _ in keys] == ["owner", "provider", "staff", "patient"] * 2
    # Services were used: the documented events were recorded with the rows.
    assert Event.objects.filter(event_type="patient.created").count() == 24
    assert Event.objects.filter(event_type="applied_tag.created").count() == 18


@pytest.mark.django_db(transaction=True)
def test_seed_demo_twice_creates_nothing_new_and_rotates_keys(gql):
    _, first_keys = seed()
    before = snapshot()
    text, second_keys = seed()
    assert snapshot() == before
    assert "0 records created" in text
    # One live demo key per role and organization; the first run's keys were revoked.
    assert ApiKey.objects.filter(name="demo", revoked_at__isnull=True).count() == 8
    assert {k for _, k in first_keys}.isdisjoint({k for _, k in second_keys})
    old_provider = first_keys[1][1]
    assert error_codes(gql("{ currentUser { id } }", key=old_provider)) == ["UNAUTHENTICATED"]


@pytest.mark.django_db(transaction=True)
def test_seed_demo_keys_work_for_their_roles(gql):
    _, keys = seed()
    by_role = dict(keys[:4])  # Sentinel PACE, printed first
    provider = data_of(gql("{ currentUser { is_patient organization { name } } usersCount }",
                           key=by_role["provider"]))
    assert provider == {"currentUser": {"is_patient": False, "organization": {"name": "Sentinel PACE"}},
                        "usersCount": 12}
    owner = data_of(gql("{ currentUser { is_owner } organizationMembersCount }", key=by_role["owner"]))
    assert owner == {"currentUser": {"is_owner": True}, "organizationMembersCount": 4}
    staff = data_of(gql("{ userGroups { name } tags { name } }", key=by_role["staff"]))
    assert sorted(g["name"] for g in staff["userGroups"]) == ["Day Center", "Home Care"]
    assert len(staff["tags"]) == 3
    patient = data_of(gql("{ currentUser { is_patient } }", key=by_role["patient"]))
    assert patient == {"currentUser": {"is_patient": True}}
    # users/usersCount are documented as provider/staff operations: a patient is refused.
    assert error_codes(gql("{ usersCount }", key=by_role["patient"])) == ["FORBIDDEN"]
    # Tenancy: the other organization's provider sees only its own twelve patients.
    other = data_of(gql("{ users(page_size: 100) { organization { name } } }", key=keys[5][1]))
    assert {u["organization"]["name"] for u in other["users"]} == {"Cedar Ridge Memory Care"}


def test_schema_check_accepts_the_live_schema(tmp_path):
    path = tmp_path / "schema.graphql"
    path.write_text(schema_sdl(), encoding="utf-8")
    assert schema_file_problem(path, schema_sdl()) is None


def test_schema_check_reports_a_stale_file(tmp_path):
    path = tmp_path / "schema.graphql"
    live = schema_sdl()
    path.write_text(live.replace("usersCount", "usersTotal", 1), encoding="utf-8")
    problem = schema_file_problem(path, live)
    assert problem is not None
    assert "python manage.py export_schema" in problem
    assert "-  usersTotal" in problem and "+  usersCount" in problem


def test_schema_check_reports_a_missing_file(tmp_path):
    problem = schema_file_problem(tmp_path / "schema.graphql", schema_sdl())
    assert problem is not None and "missing" in problem and "export_schema" in problem


def test_readme_documents_every_setting_read_from_the_environment():
    """The configuration table must grow with config/settings.py."""
    root = Path(settings.BASE_DIR)
    source = (root / "config" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r"""(?:environ\.get|env_bool|env_list|environ\[)\(?\s*["']([A-Z][A-Z0-9_]+)["']""", source))
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"} <= names  # the pattern still finds them
    table = {m for m in re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", (root / "README.md").read_text(encoding="utf-8"),
                                   re.MULTILINE)}
    missing = sorted(names - table - {"DJANGO_SETTINGS_MODULE"})
    assert not missing, f"add these to the configuration table in README.md: {missing}"


@pytest.mark.django_db
def test_demo_data_is_bookable_without_credentials(gql):
    """The demo ships a bookable visit type and weekday hours: the public slot search finds times."""
    import datetime as dt

    from apps.scheduling.models import AppointmentType
    from tests.scheduling.test_self_scheduling import SLOTS

    seed()
    org = Organization.objects.get(name="Sentinel PACE")
    visit = AppointmentType.objects.get(organization=org, name="Initial consultation")
    provider = User.objects.filter(organization=org, is_patient=False, availabilities__isnull=False).first()
    first = dt.date.today() + dt.timedelta(days=7)
    variables = {"provider_id": str(provider.pk), "appt_type_id": str(visit.pk),
                 "start_date": first.isoformat(), "end_date": (first + dt.timedelta(days=6)).isoformat()}
    slots = data_of(gql(SLOTS, variables))["availableSlotsForRange"]
    assert slots and all(s["user_id"] == str(provider.pk) for s in slots)
    seed()  # idempotent: no second visit type or availability
    assert AppointmentType.objects.filter(organization=org, name="Initial consultation").count() == 1


@pytest.mark.django_db(transaction=True)
def test_seed_demo_prints_the_address_it_was_given():
    out = io.StringIO()
    call_command("seed_demo", "--host", "127.0.0.1", "--port", "8123", stdout=out)
    assert "curl -s http://127.0.0.1:8123/graphql " in out.getvalue()
    assert ":8000" not in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_seed_demo_reads_host_and_port_from_the_environment(monkeypatch):
    # make serve HOST=0.0.0.0 PORT=9001: the server listens everywhere, curl reaches it on loopback.
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "9001")
    text, _ = seed()
    assert "curl -s http://127.0.0.1:9001/graphql " in text


@pytest.mark.django_db(transaction=True)
def test_renamed_demo_records_are_found_again_not_duplicated(gql):
    """The docs invite editing the demo data; the next ``make serve`` must not re-create what was edited."""
    seed()
    patient = User.objects.get(record_identifier="SENTINEL-PACE-0001")
    patient.first_name, patient.last_name, patient.email = "Evie", "Hart-Moss", "evie@example.com"
    patient.save()
    org = Organization.objects.get(name="Sentinel PACE")
    org.name = "Sentinel PACE of Roanoke"
    org.save()
    before = snapshot()
    text, _ = seed()
    assert snapshot() == before
    assert "0 records created" in text
    patient.refresh_from_db()
    assert (patient.first_name, patient.last_name) == ("Evie", "Hart-Moss")  # edits are kept, not reverted
    assert User.objects.filter(organization=org, is_patient=True).count() == 12


@pytest.mark.django_db(transaction=True)
def test_seed_demo_seeds_announcements_once(gql):
    from apps.announcements.models import Announcement

    _, keys = seed()
    provider = dict(keys[:4])["provider"]
    page = data_of(gql("{ announcements(page_size: 2, should_paginate: true) { id title cursor } announcementsCount }",
                       key=provider))
    assert page["announcementsCount"] == 3 and len(page["announcements"]) == 2
    after = page["announcements"][-1]["cursor"]
    rest = data_of(gql("query($after: String) { announcements(page_size: 5, should_paginate: true, after: $after) "
                       "{ id } }", {"after": after}, key=provider))
    assert len(rest["announcements"]) == 1
    seed()
    assert Announcement.objects.count() == 6
