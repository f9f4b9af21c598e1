"""Who is asking: the authenticated user, their organization and their permissions.

Selectors and services take a ``Viewer`` and decide from it what may be seen or changed.
``viewer.require(...)`` is the one permission check: services call it, resolvers do not
repeat it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from apps.accounts.models import OrganizationMembership, User
from apps.core.errors import Forbidden, Unauthenticated

# What ``require`` understands besides the membership flags (named like the published
# ``OrganizationMembership.can_*`` fields).
AUTHENTICATED = "authenticated"
MEMBER = "member"
OWNER = "owner"
PERMISSIONS = frozenset({AUTHENTICATED, MEMBER, OWNER, *OrganizationMembership.PERMISSION_FLAGS})

_REFUSALS = {
    MEMBER: "Only providers and staff members can do this.",
    OWNER: "Only the organization owner can do this.",
}


@dataclass
class Viewer:
    user: User | None = None
    api_key_id: int | None = None
    session_id: int | None = None
    _membership: OrganizationMembership | None = field(default=None, repr=False)

    @classmethod
    def anonymous(cls) -> Viewer:
        return cls()

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user else None

    @property
    def organization_id(self) -> int | None:
        return self.user.organization_id if self.user else None

    @property
    def is_patient(self) -> bool:
        return bool(self.user and self.user.is_patient)

    @cached_property
    def membership(self) -> OrganizationMembership | None:
        if self._membership is not None:
            return self._membership
        if not self.user or self.user.is_patient:
            return None
        return OrganizationMembership.objects.filter(user=self.user, active=True).first()

    @property
    def is_member(self) -> bool:
        """A provider or support staff member of an organization (not a patient)."""
        return self.membership is not None

    @property
    def is_owner(self) -> bool:
        return bool(self.user and self.is_member and self.user.organization.owner_id == self.user.pk)

    def has_permission(self, flag: str) -> bool:
        """Owners hold every membership permission; others need the flag on their membership."""
        if self.is_owner:
            return True
        return bool(self.membership and getattr(self.membership, flag, False))

    def allows(self, permission: str) -> bool:
        """Whether ``require(permission)`` would pass."""
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}")
        if not self.is_authenticated:
            return False
        if permission == AUTHENTICATED:
            return True
        if permission == MEMBER:
            return self.is_member
        if permission == OWNER:
            return self.is_owner
        return self.is_member and self.has_permission(permission)

    def require(self, *permissions: str, message: str | None = None) -> Viewer:
        """Raises unless the viewer holds every one of ``permissions``; returns the viewer.

        ``require()`` asks only for credentials; ``require(MEMBER)`` for a provider or staff
        member; ``require("can_add_members")`` for a member holding that flag (owners hold
        every flag); ``require(OWNER)`` for the organization's owner.
        """
        if not self.is_authenticated:
            raise Unauthenticated()
        for permission in permissions or (AUTHENTICATED,):
            if not self.allows(permission):
                default = _REFUSALS.get(permission, f"You need the {permission} permission to do this.")
                raise Forbidden(message or default)
        return self
