"""Who is asking: the authenticated user, their organization and their permissions.

Selectors and services take a ``Viewer`` and decide from it what may be seen or changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from apps.accounts.models import OrganizationMembership, User


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
