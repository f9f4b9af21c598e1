"""Users (patients and providers alike), organizations, memberships, groups, tags, locations, keys."""

from __future__ import annotations

import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower


class Organization(models.Model):
    name = models.CharField(max_length=255)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="sub_organizations"
    )
    owner = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_organizations"
    )
    phone_number = models.CharField(max_length=40, blank=True)
    tax_id = models.CharField(max_length=40, blank=True)
    tax_id_type = models.CharField(max_length=10, blank=True)
    npi = models.CharField(max_length=20, blank=True)
    location = models.ForeignKey(
        "accounts.Location", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True


class User(AbstractBaseUser):
    """One account. ``is_patient`` splits patients from providers and staff (mutually exclusive).

    Every account belongs to one organization: providers through their membership,
    patients through the organization of the provider who owns them. Users are
    archived (``active = False``), never deleted.
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="users")
    email = models.CharField(max_length=254, blank=True, db_index=True)
    skipped_email = models.BooleanField(default=False)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    legal_name = models.CharField(max_length=200, blank=True)
    is_patient = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    dietitian = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="primary_patients"
    )
    care_team = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="team_patients")
    user_group = models.ForeignKey(
        "accounts.UserGroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="users"
    )
    timezone = models.CharField(max_length=64, blank=True)
    dob = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=40, blank=True)
    phone_number = models.CharField(max_length=40, blank=True)
    record_identifier = models.CharField(max_length=100, blank=True)
    npi = models.CharField(max_length=20, blank=True)
    # An invitation to set a password (welcome e-mail, set_password_link): only the SHA-256 of the
    # code is kept, like API keys and sessions; it is cleared when used (apps/accounts/services/invitations.py).
    signup_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    signup_token_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        constraints = [
            # The documented uniqueness: one patient per organization, e-mail, first and last name.
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                Lower("first_name"),
                Lower("last_name"),
                condition=models.Q(is_patient=True) & ~models.Q(email=""),
                name="unique_patient_per_org_email_name",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "is_patient", "last_name", "id"]),
            models.Index(fields=["organization", "is_patient", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def full_name(self) -> str:
        return str(self)

    @property
    def doc_share_id(self) -> str:
        return f"user-{self.pk}"

    @property
    def is_active(self) -> bool:  # Django's auth contract
        return self.active


class OrganizationMembership(models.Model):
    STANDARD = "Standard"
    SUPPORT = "Support"
    ROLES = [(STANDARD, "Standard (provider)"), (SUPPORT, "Support (staff)")]

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    org_role = models.CharField(max_length=20, choices=ROLES, default=STANDARD)
    title = models.CharField(max_length=100, blank=True)
    active = models.BooleanField(default=True)
    qualifications = models.CharField(max_length=255, blank=True)
    licensed_states = models.JSONField(default=list, blank=True)
    # Permission flags from the documented OrganizationMembership object.
    can_add_members = models.BooleanField(default=False)
    can_edit_members = models.BooleanField(default=False)
    is_developer = models.BooleanField(default=False)
    can_see_calendar = models.BooleanField(default=True)
    can_edit_forms = models.BooleanField(default=True)
    can_see_all_clients = models.BooleanField(default=True)
    has_api_access = models.BooleanField(default=True)
    # Chat: a two-person conversation is created when this member joins a patient's care team.
    auto_create_convo_for_care_team = models.BooleanField(default=False)
    # Charting (apps.forms.services.charting): who may lock and unlock chart notes. Owners hold both.
    can_lock_own_charting_notes = models.BooleanField(default=True)
    can_lock_others_charting_notes = models.BooleanField(default=False)
    # Billing: invoicing, charging and writing off patients' balances.
    can_charge_clients = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    PERMISSION_FLAGS = (
        "can_add_members",
        "can_edit_members",
        "is_developer",
        "can_see_calendar",
        "can_edit_forms",
        "can_see_all_clients",
        "has_api_access",
        "can_charge_clients",
    )


def new_invite_code() -> str:
    return secrets.token_hex(3)


class UserGroup(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="user_groups")
    name = models.CharField(max_length=255)
    invite_code = models.CharField(max_length=32, unique=True, default=new_invite_code)
    onboarding_flow_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tags")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="created_tags")
    name = models.CharField(max_length=100)
    tagged_users = models.ManyToManyField(User, through="AppliedTag", related_name="tags")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Documented: tags are unique per provider/staff account.
        constraints = [models.UniqueConstraint("user", Lower("name"), name="unique_tag_name_per_user")]


class AppliedTag(models.Model):
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="applications")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="applied_tags")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tag", "user"], name="unique_applied_tag")]


class Location(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="locations")
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=255, blank=True)
    line1 = models.CharField(max_length=255, blank=True)
    line2 = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=50, blank=True)
    zip = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, default="US")
    npi = models.CharField(max_length=20, blank=True)
    phone_number = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class ApiKey(models.Model):
    """A credential shown once; only its SHA-256 and a short displayable prefix are stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    displayable_key = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-id"])]


class SessionToken(models.Model):
    """A sign-in session; the token is shown once and stored hashed like API keys."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="session_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
