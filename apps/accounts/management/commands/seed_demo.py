"""``python manage.py seed_demo``: idempotent demo data and fresh API keys to try the API with.

Two organizations (the PACE program and the memory-care community of the monitoring
product), each with an owner, providers, a support staff member, patients, groups,
tags, locations and announcements. Records are looked up by keys a user of the demo
does not change by following the documentation: the organization by its owner's
e-mail (then by name), members by e-mail, patients by their record identifier
(``SENTINEL-PACE-0001``...; the docs invite renaming patients, so names are no key),
groups, tags, locations and announcements by name. A second run creates nothing new.

Keys: every run issues a fresh key named ``demo`` for the owner, a provider, the
support staff member and a patient of each organization, and revokes the earlier
``demo`` keys of those users (plain keys are stored hashed, so old ones cannot be
shown again). Keys with other names are never touched.

Writes go through the account services (they validate and emit the documented
events) acting as the organization's owner or provider, all in one transaction.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from apps.accounts.inputs import Address, NewClient, NewMember
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
from apps.accounts.services import credentials, groups, locations, organizations, patients, tags
from apps.accounts.viewer import Viewer
from apps.announcements.models import Announcement
from apps.announcements.services import announcement_create
from apps.scheduling.inputs import AppointmentTypeInput, AvailabilityInput
from apps.scheduling.models import AppointmentType, Availability
from apps.scheduling.services.availability import availability_create
from apps.scheduling.services.types import appointment_type_create

DEMO_KEY_NAME = "demo"
# Shared by every demo provider and staff account so signIn can be tried too.
DEMO_PASSWORD = "tidal-compass-orchard-57"


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    title: str = ""


@dataclass(frozen=True)
class DemoOrganization:
    name: str
    domain: str
    timezone: str
    address: dict[str, str]
    owner: Person
    providers: tuple[Person, ...]
    staff: Person
    groups: tuple[str, ...]
    tags: tuple[str, ...]
    patients: tuple[tuple[str, str, str, str], ...]  # first, last, dob, gender
    announcements: tuple[tuple[str, str], ...] = ()  # title, description; created oldest first


ORGANIZATIONS = (
    DemoOrganization(
        name="Sentinel PACE",
        domain="sentinel-pace.example",
        timezone="America/New_York",
        address={"name": "Sentinel PACE Day Center", "line1": "410 Riverside Drive", "city": "Roanoke",
                 "state": "VA", "zip": "24016", "phone_number": "540-555-0140"},
        owner=Person("Miriam", "Okafor", "Medical Director"),
        providers=(Person("Daniel", "Reyes", "Nurse Practitioner"), Person("Grace", "Lindqvist", "Registered Nurse")),
        staff=Person("Tomas", "Becker", "Care Coordinator"),
        groups=("Day Center", "Home Care"),
        tags=("Fall risk", "Sleep monitoring", "Speech monitoring"),
        patients=(
            ("Evelyn", "Hart", "1939-04-12", "Female"), ("Harold", "Nguyen", "1941-09-30", "Male"),
            ("Lorraine", "Foster", "1944-01-18", "Female"), ("Walter", "Kim", "1937-07-02", "Male"),
            ("Beatrice", "Moreno", "1942-11-23", "Female"), ("Clarence", "Abbott", "1940-03-09", "Male"),
            ("Irene", "Castillo", "1945-06-14", "Female"), ("Raymond", "Dubois", "1938-12-01", "Male"),
            ("Mildred", "Sato", "1943-08-27", "Female"), ("Eugene", "Palmer", "1936-05-19", "Male"),
            ("Josephine", "Rahman", "1946-02-11", "Female"), ("Vernon", "Ellis", "1939-10-05", "Male"),
        ),
        # Three, so docs/pagination.md's cursor example pages through them.
        announcements=(
            ("Day Center closed on Monday", "The Day Center is closed for the holiday; home visits go on."),
            ("New exercise class", "Chair yoga on Tuesdays and Thursdays at 10:30 in the Day Center."),
            ("Flu shots", "Flu shots are given at the Day Center clinic all of October."),
        ),
    ),
    DemoOrganization(
        name="Cedar Ridge Memory Care",
        domain="cedar-ridge.example",
        timezone="America/Chicago",
        address={"name": "Cedar Ridge Memory Care", "line1": "88 Cedar Ridge Lane", "city": "Madison",
                 "state": "WI", "zip": "53711", "phone_number": "608-555-0188"},
        owner=Person("Alan", "Whitfield", "Executive Director"),
        providers=(Person("Nadia", "Petrova", "Physician"), Person("Samuel", "Osei", "Registered Nurse")),
        staff=Person("Lucia", "Ferreira", "Resident Care Aide"),
        groups=("Willow Cottage", "Birch Cottage"),
        tags=("Fall risk", "Hydration watch", "Night wandering"),
        patients=(
            ("Dorothea", "Banks", "1935-02-03", "Female"), ("Franklin", "Ortiz", "1938-06-21", "Male"),
            ("Agnes", "Whitaker", "1940-09-13", "Female"), ("Leonard", "Cho", "1936-11-29", "Male"),
            ("Rosalind", "Meyer", "1941-04-07", "Female"), ("Herbert", "Quinn", "1934-08-16", "Male"),
            ("Viola", "Santos", "1939-01-25", "Female"), ("Chester", "Ivanov", "1937-03-31", "Male"),
            ("Margarethe", "Lund", "1942-07-08", "Female"), ("Arthur", "Bishop", "1933-12-20", "Male"),
            ("Florence", "Adeyemi", "1943-05-04", "Female"), ("Stanley", "Novak", "1938-10-10", "Male"),
        ),
        announcements=(
            ("Family visiting hours", "Cottages welcome visitors from 10:00 to 19:00 every day."),
            ("Music therapy on Wednesdays", "Sing-along sessions in Willow Cottage at 15:00."),
            ("Flu shots", "The nurse gives flu shots on the first Monday of the month."),
        ),
    ),
)


@dataclass
class Seeded:
    organization: Organization
    owner: User
    providers: list[User]
    staff: User
    patients: list[User]
    created: int = 0


def _email(spec: DemoOrganization, person: Person) -> str:
    return f"{person.first_name}.{person.last_name}@{spec.domain}".lower()


DEMO_VISIT_TYPE = "Initial consultation"


def _patient_email(spec: DemoOrganization, first: str, last: str) -> str:
    return f"{first}.{last}.family@{spec.domain}".lower()


def _record_identifier(spec: DemoOrganization, index: int) -> str:
    return f"{spec.domain.split('.')[0].upper()}-{index + 1:04d}"


def _address(host: str, port: int) -> str:
    """The URL a browser or curl on this machine reaches the server at."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"  # listening on every interface: loopback is one of them
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


class Command(BaseCommand):
    help = "Creates (idempotently) two demo organizations and prints fresh API keys per role."

    def add_arguments(self, parser) -> None:
        # make serve passes its HOST and PORT, so the printed example reaches the server it starts.
        parser.add_argument("--host", default=os.environ.get("HOST") or "127.0.0.1",
                            help="host the server listens on, for the printed example (default: $HOST or 127.0.0.1)")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000),
                            help="port the server listens on, for the printed example (default: $PORT or 8000)")

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            seeded = [self._seed(spec) for spec in ORGANIZATIONS]
            issued = [(s, self._issue_keys(s)) for s in seeded]
        created = sum(s.created for s in seeded)
        self.stdout.write(f"Demo data ready ({created} records created, the rest already existed).")
        self.stdout.write(f"Provider and staff accounts sign in with the password: {DEMO_PASSWORD}")
        self.stdout.write("API keys (fresh on every run; earlier 'demo' keys were revoked):")
        for seed, keys in issued:
            self.stdout.write(f"  {seed.organization.name}")
            for role, (user, plain) in keys.items():
                self.stdout.write(f"    {role:<9} {plain}  ({user.first_name} {user.last_name}, {user.email})")
        example = issued[0][1]["provider"][1]
        self.stdout.write(
            f"Try:\n  curl -s {_address(str(options['host']), int(options['port']))}/graphql "
            "-H 'Content-Type: application/json' "
            f"-H 'Authorization: Basic {example}' -H 'AuthorizationSource: API' "
            "-d '{\"query\":\"{ currentUser { id full_name } usersCount }\"}'"
        )

    # ---- organizations and members ---------------------------------------------------

    def _seed(self, spec: DemoOrganization) -> Seeded:
        roots = Organization.objects.filter(parent__isnull=True).order_by("id")
        org = roots.filter(owner__email=_email(spec, spec.owner)).first() or roots.filter(name=spec.name).first()
        created = 0
        if org is None:
            org = Organization.objects.create(name=spec.name, phone_number=spec.address["phone_number"])
            created += 1
        owner, made = self._owner(org, spec)
        created += made
        owner_viewer = Viewer(user=owner)
        providers = []
        for person in spec.providers:
            user, made = self._member(owner_viewer, spec, person, "Standard")
            providers.append(user)
            created += made
        staff, made = self._member(owner_viewer, spec, spec.staff, "Support")
        created += made
        created += self._organization_location(owner_viewer, org, owner, spec)
        group_rows, made = self._groups(Viewer(user=providers[0]), org, spec)
        created += made
        people, made = self._patients(spec, org, providers, group_rows)
        created += made
        created += self._tags(Viewer(user=providers[0]), spec, people)
        created += self._scheduling(Viewer(user=providers[0]), providers)
        created += self._announcements(Viewer(user=providers[0]), spec)
        return Seeded(org, owner, providers, staff, people, created)

    def _announcements(self, provider: Viewer, spec: DemoOrganization) -> int:
        made = 0
        for title, description in spec.announcements:
            if not Announcement.objects.filter(organization_id=provider.organization_id, title=title).exists():
                announcement_create(provider, title=title, description=description)
                made += 1
        return made

    def _scheduling(self, provider: Viewer, providers: list[User]) -> int:
        """A bookable visit type and weekday hours, so self-scheduling works on the demo at once."""
        made = 0
        if not AppointmentType.objects.filter(organization_id=provider.organization_id,
                                              name=DEMO_VISIT_TYPE).exists():
            appointment_type_create(provider, data=AppointmentTypeInput(name=DEMO_VISIT_TYPE, length=30,
                                                                        clients_can_book=True))
            made += 1
        start = timezone.now().date().isoformat()
        for user in providers:
            if Availability.objects.filter(user=user).exists():
                continue
            for day_of_week in range(1, 6):  # Monday to Friday, 0 is Sunday
                availability_create(provider, data=AvailabilityInput(
                    user_id=str(user.pk), range_start=start, time="09 00", end_time="17 00",
                    day_of_week=day_of_week, is_repeating=True))
                made += 1
        return made

    def _owner(self, org: Organization, spec: DemoOrganization) -> tuple[User, int]:
        """The owner is created directly: no service creates an organization's first member."""
        email = _email(spec, spec.owner)
        owner = User.objects.filter(organization=org, is_patient=False, email=email).first()
        made = 0
        if owner is None:
            owner = User.objects.create(
                organization=org, is_patient=False, email=email, first_name=spec.owner.first_name,
                last_name=spec.owner.last_name, timezone=spec.timezone, password=make_password(DEMO_PASSWORD),
            )
            OrganizationMembership.objects.create(
                organization=org, user=owner, title=spec.owner.title, can_add_members=True,
                can_edit_members=True, is_developer=True,
            )
            made = 1
        if org.owner_id != owner.pk:
            org.owner = owner
            org.save(update_fields=["owner", "updated_at"])
        return owner, made

    def _member(self, owner: Viewer, spec: DemoOrganization, person: Person, role: str) -> tuple[User, int]:
        email = _email(spec, person)
        existing = User.objects.filter(organization_id=owner.organization_id, is_patient=False, email=email).first()
        if existing is not None:
            return existing, 0
        membership = organizations.membership_create(owner, NewMember(
            first_name=person.first_name, last_name=person.last_name, email=email, password=DEMO_PASSWORD,
            title=person.title, org_role=role, timezone=spec.timezone, dont_send_welcome=True,
        ))
        return membership.user, 1

    def _organization_location(self, owner: Viewer, org: Organization, user: User, spec: DemoOrganization) -> int:
        if org.location_id is not None:
            return 0
        location = Location.objects.filter(organization=org, user=user, name=spec.address["name"]).first()
        made = 0
        if location is None:
            location = locations.location_create(owner, address=Address(**spec.address, country="US"))
            made = 1
        org.location = location
        org.save(update_fields=["location", "updated_at"])
        return made

    # ---- groups, patients, tags ------------------------------------------------------

    def _groups(self, provider: Viewer, org: Organization, spec: DemoOrganization) -> tuple[list[UserGroup], int]:
        rows, made = [], 0
        for name in spec.groups:
            group = UserGroup.objects.filter(organization=org, name=name).order_by("id").first()
            if group is None:
                group = groups.group_create(provider, name=name)
                made += 1
            rows.append(group)
        return rows, made

    def _patients(self, spec: DemoOrganization, org: Organization, providers: list[User],
                  group_rows: list[UserGroup]) -> tuple[list[User], int]:
        people, made = [], 0
        for index, (first, last, dob, gender) in enumerate(spec.patients):
            email = _patient_email(spec, first, last)
            record_identifier = _record_identifier(spec, index)
            user = (
                User.objects.filter(organization=org, is_patient=True, record_identifier=record_identifier)
                .order_by("id").first()
            )
            if user is None:
                provider = providers[index % len(providers)]
                # Every third patient is in no group, so group filters have something to tell apart.
                group = group_rows[index % 3] if index % 3 < len(group_rows) else None
                user = patients.client_create(Viewer(user=provider), NewClient(
                    first_name=first, last_name=last, email=email, dob=dob, gender=gender,
                    timezone=spec.timezone, phone_number=f"555-01{index:02d}",
                    record_identifier=record_identifier,
                    dietitian_id=str(provider.pk), user_group_id=str(group.pk) if group else None,
                    dont_send_welcome=True,
                ))
                locations.location_create(Viewer(user=provider), user_id=str(user.pk), address=Address(
                    name="Home", line1=f"{100 + index * 7} Maple Street", city=spec.address["city"],
                    state=spec.address["state"], zip=spec.address["zip"], country="US",
                ))
                made += 2
            people.append(user)
        return people, made

    def _tags(self, provider: Viewer, spec: DemoOrganization, people: list[User]) -> int:
        made = 0
        for position, name in enumerate(spec.tags):
            tag = (
                Tag.objects.annotate(ln=Lower("name"))
                .filter(user_id=provider.user_id, ln=name.lower())
                .first()
            )
            if tag is None:
                tag = tags.tag_create(provider, name=name, taggable_user_id=None)
                made += 1
            # Each tag goes on a different handful of patients (every fourth, shifted per tag).
            for patient in people[position::4]:
                if not AppliedTag.objects.filter(tag=tag, user=patient).exists():
                    tags.tags_bulk_apply(provider, tag_ids=[str(tag.pk)], taggable_user_id=str(patient.pk))
                    made += 1
        return made

    # ---- keys ----------------------------------------------------------------------------

    def _issue_keys(self, seeded: Seeded) -> dict[str, tuple[User, str]]:
        holders = {
            "owner": seeded.owner,
            "provider": seeded.providers[0],
            "staff": seeded.staff,
            "patient": seeded.patients[0],
        }
        ApiKey.objects.filter(
            user__in=list(holders.values()), name=DEMO_KEY_NAME, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        issued = {}
        for role, user in holders.items():
            key = credentials.api_key_create(Viewer(user=user), user_id=None, name=DEMO_KEY_NAME)
            issued[role] = (user, key.plain)
        return issued

