"""Small builders for test data: real rows through the ORM, no mocks."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from apps.accounts.authentication import API_KEY_PREFIX
from apps.accounts.models import ApiKey, Organization, OrganizationMembership, User, UserGroup
from apps.core.crypto import random_token, token_hash

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-staple-42"
# Hashing with argon2 is slow by design; tests share one hash of PASSWORD.
_PASSWORD_HASH: list[str] = []


def password_hash() -> str:
    if not _PASSWORD_HASH:
        _PASSWORD_HASH.append(make_password(PASSWORD))
    return _PASSWORD_HASH[0]


@dataclass
class World:
    """An organization with an owner, a provider, a support member and patients."""

    org: Organization
    owner: User
    provider: User
    staff: User
    patients: list[User]


def organization(name: str | None = None, parent: Organization | None = None) -> Organization:
    return Organization.objects.create(name=name or f"Org {next(_seq)}", parent=parent)


def member(org: Organization, *, role: str = "Standard", owner: bool = False, first_name: str = "Pat",
           last_name: str | None = None, **flags: bool) -> User:
    n = next(_seq)
    user = User.objects.create(
        organization=org, is_patient=False, first_name=first_name, last_name=last_name or f"Provider{n}",
        email=f"member{n}@example.com", password=password_hash(), timezone="America/New_York",
    )
    OrganizationMembership.objects.create(organization=org, user=user, org_role=role, **flags)
    if owner:
        org.owner = user
        org.save(update_fields=["owner"])
    return user


def patient(org: Organization, *, provider: User | None = None, first_name: str | None = None,
            last_name: str | None = None, email: str | None = None, group: UserGroup | None = None,
            **fields: object) -> User:
    n = next(_seq)
    return User.objects.create(
        organization=org, is_patient=True, dietitian=provider, user_group=group,
        first_name=first_name or f"First{n}", last_name=last_name or f"Last{n}",
        email=email if email is not None else f"patient{n}@example.com", password=password_hash(), **fields,
    )


def api_key(user: User) -> str:
    plain = random_token(API_KEY_PREFIX, 30)
    ApiKey.objects.create(user=user, key_hash=token_hash(plain), displayable_key=plain[:7], name="test")
    return plain


def world(name: str | None = None, patients: int = 3) -> World:
    org = organization(name)
    owner = member(org, owner=True, first_name="Olive")
    provider = member(org, first_name="Paula")
    staff = member(org, role="Support", first_name="Sam")
    people = [patient(org, provider=provider) for _ in range(patients)]
    return World(org, owner, provider, staff, people)



def invitation_code(text: str) -> str:
    """The invitation code of a welcome e-mail body ("... with this code: <code>")."""
    [code] = re.findall(r"with this code: (\S+)", text)
    return code


def conversation(owner: User, *members: User, name: str = "", **fields: object):
    """A conversation owned by ``owner`` with ``owner`` and ``members`` as members (chat notes)."""
    from apps.chat.models import Conversation, ConversationMembership

    convo = Conversation.objects.create(organization=owner.organization, owner=owner, name=name, **fields)
    for user in (owner, *members):
        ConversationMembership.objects.create(conversation=convo, user=user, creator=owner)
    return convo


def form_template(org: Organization, *questions: tuple, name: str = "Health History", **fields: object):
    """A form template of ``org`` with ``questions``: (mod_type, label[, options[, required]]) tuples, in order."""
    from apps.forms.models import CustomModule, CustomModuleForm

    template = CustomModuleForm.objects.create(organization=org, name=name, **fields)
    for position, question in enumerate(questions):
        mod_type, label, options, required = (*question, "", False)[:4] if len(question) == 2 else (
            *question, False)[:4]
        CustomModule.objects.create(custom_module_form=template, mod_type=mod_type, label=label,
                                    options=options, required=bool(required), position=position)
    return template


# --- forms: onboarding and requests -------------------------------------------------------------

def requestable_form(org: Organization, name: str = "Intake questionnaire", **fields: object):
    from apps.forms.models import CustomModuleForm

    return CustomModuleForm.objects.create(organization=org, name=name, **fields)


def onboarding_flow(org: Organization, name: str = "Intake flow", *groups: UserGroup):
    from apps.forms.models import OnboardingFlow

    flow = OnboardingFlow.objects.create(organization=org, name=name)
    UserGroup.objects.filter(pk__in=[g.pk for g in groups]).update(onboarding_flow_id=flow.pk)
    return flow


def onboarding_item(flow, item_type: str = "Insurance Form", *, item_id: int | None = None,
                    is_skippable: bool = True, row_order: int = 1):
    from apps.forms.models import OnboardingItem

    return OnboardingItem.objects.create(onboarding_flow=flow, item_type=item_type, item_id=item_id,
                                         display_name=item_type, is_skippable=is_skippable, row_order=row_order)
