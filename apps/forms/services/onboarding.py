"""Onboarding flows, their items, and patients' completed (or skipped) items.

A flow is attached to user groups (``UserGroup.onboarding_flow_id``); a patient is asked to
complete the flow of their group.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max

from apps.accounts.models import UserGroup
from apps.accounts.validation import clean_text
from apps.accounts.viewer import MEMBER, Viewer
from apps.core.errors import Collector, NotFound, ValidationFailed
from apps.core.inputs import UNSET, is_set
from apps.core.lookup import parse_id
from apps.core.timefmt import now
from apps.forms.models import CompletedOnboardingItem, OnboardingFlow, OnboardingItem
from apps.forms.selectors.onboarding import (
    FORM_ITEM_TYPE,
    ITEM_TYPE_NAMES,
    flow_get,
    item_get,
    patient_for_completion,
    visible_items,
)
from apps.forms.selectors.requests import visible_forms

MEMBERS_ONLY = "Only providers and staff members can manage onboarding flows."


def _groups(viewer: Viewer, raw: object) -> list[UserGroup]:
    ids = [part.strip() for part in str(raw or "").split(",") if part.strip()]
    pks = [parse_id(part) for part in ids]
    groups = list(UserGroup.objects.filter(organization_id=viewer.organization_id, pk__in=[p for p in pks if p]))
    if len(groups) != len(set(pks)) or None in pks:
        raise NotFound("groups_to_use_onboarding_flow", "User group not found.")
    return groups


def _attach(viewer: Viewer, flow: OnboardingFlow, raw: object) -> None:
    """The groups listed use ``flow`` from now on; groups no longer listed stop using it."""
    groups = _groups(viewer, raw)
    org_groups = UserGroup.objects.filter(organization_id=viewer.organization_id)
    org_groups.filter(onboarding_flow_id=flow.pk).exclude(pk__in=[g.pk for g in groups]).update(
        onboarding_flow_id=None)
    org_groups.filter(pk__in=[g.pk for g in groups]).update(onboarding_flow_id=flow.pk)


@transaction.atomic
def flow_create(viewer: Viewer, *, name: str | None, groups: object = None) -> OnboardingFlow:
    viewer.require(MEMBER, message=MEMBERS_ONLY)
    errors = Collector()
    cleaned = clean_text(errors, "name", name, required=True, limit=255)
    errors.raise_if_any()
    flow = OnboardingFlow.objects.create(organization_id=viewer.organization_id, user_id=viewer.user_id,
                                         name=cleaned)
    if groups not in (None, ""):
        _attach(viewer, flow, groups)
    return flow


@transaction.atomic
def flow_update(viewer: Viewer, *, flow_id: object, name: str | None = None, groups: object = UNSET) -> OnboardingFlow:
    viewer.require(MEMBER, message=MEMBERS_ONLY)
    flow = flow_get(viewer, flow_id)
    errors = Collector()
    cleaned = clean_text(errors, "name", name, required=True, limit=255) if name is not None else None
    errors.raise_if_any()
    if cleaned is not None and cleaned != flow.name:
        flow.name = cleaned
        flow.save(update_fields=["name", "updated_at"])
    if is_set(groups) and groups is not None:
        _attach(viewer, flow, groups)
    return flow


@transaction.atomic
def flow_delete(viewer: Viewer, *, flow_id: object, flow_to_receive_groups: object = None) -> OnboardingFlow:
    """Soft-deletes the flow; its groups move to ``flow_to_receive_groups`` or to no flow."""
    viewer.require(MEMBER, message=MEMBERS_ONLY)
    flow = flow_get(viewer, flow_id)
    receiver = None
    if flow_to_receive_groups not in (None, ""):
        receiver = flow_get(viewer, flow_to_receive_groups, field="flow_to_receive_groups")
        if receiver.pk == flow.pk:
            raise ValidationFailed("flow_to_receive_groups", "A flow cannot receive its own groups.")
    UserGroup.objects.filter(organization_id=viewer.organization_id, onboarding_flow_id=flow.pk).update(
        onboarding_flow_id=receiver.pk if receiver else None)
    flow.deleted_at = now()
    flow.save(update_fields=["deleted_at", "updated_at"])
    return flow


@dataclass(frozen=True)
class ItemChoice:
    item_type: str
    item_id: int | None


def _choices(viewer: Viewer, raw: object, item_id: object = None) -> list[ItemChoice]:
    """``item_type`` is a type name, or the documented JSON ``{"type", "id"}`` object (or an array
    of them) naming a form."""
    text = str(raw or "").strip()
    entries: list[tuple[object, object]]
    if text.startswith(("{", "[")):
        try:
            value = json.loads(text)
        except ValueError as error:
            raise ValidationFailed("item_type", "item_type is not valid JSON.") from error
        value = value if isinstance(value, list) else [value]
        if not value or not all(isinstance(v, dict) for v in value):
            raise ValidationFailed("item_type", 'item_type must look like {"type":"Module Form","id":"1"}.')
        entries = [(v.get("type"), v.get("id")) for v in value]
    else:
        entries = [(text, item_id)]
    choices = []
    for kind, raw_id in entries:
        if not isinstance(kind, str) or kind not in ITEM_TYPE_NAMES:
            raise ValidationFailed("item_type", "item_type is not one of availableItemTypes.")
        if kind == FORM_ITEM_TYPE:
            form = visible_forms(viewer).filter(pk=parse_id(raw_id) or 0).first()
            if form is None:
                raise NotFound("item_id", "Form not found.")
            choices.append(ItemChoice(kind, form.pk))
        else:
            choices.append(ItemChoice(kind, None))
    return choices


def _display_name(viewer: Viewer, choice: ItemChoice) -> str:
    if choice.item_id is None:
        return choice.item_type
    return visible_forms(viewer).filter(pk=choice.item_id).values_list("name", flat=True).first() or ""


@transaction.atomic
def item_create(viewer: Viewer, *, flow_id: object, item_type: object, item_id: object = None,
                is_skippable: bool | None = None, display_name: str | None = None,
                welcome_text: str | None = None) -> OnboardingItem:
    """Adds one item per chosen type at the end of the flow; returns the first."""
    viewer.require(MEMBER, message=MEMBERS_ONLY)
    flow = flow_get(viewer, flow_id, field="onboarding_flow_id")
    choices = _choices(viewer, item_type, item_id)
    errors = Collector()
    label = clean_text(errors, "display_name", display_name, limit=255) if display_name is not None else None
    welcome = clean_text(errors, "welcome_text", welcome_text, limit=20_000) if welcome_text is not None else ""
    errors.raise_if_any()
    used = set(flow.onboarding_items.values_list("item_type", flat=True))
    order = (flow.onboarding_items.aggregate(m=Max("row_order"))["m"] or 0)
    first = None
    for choice in choices:
        if choice.item_type != FORM_ITEM_TYPE and choice.item_type in used:
            raise ValidationFailed("item_type", f"The flow already has a {choice.item_type} item.")
        used.add(choice.item_type)
        order += 1
        item = OnboardingItem.objects.create(
            onboarding_flow=flow, user_id=viewer.user_id, item_type=choice.item_type, item_id=choice.item_id,
            display_name=label or _display_name(viewer, choice), is_skippable=bool(is_skippable), row_order=order,
            welcome_text=welcome or "")
        first = first or item
    return first


@transaction.atomic
def item_update(viewer: Viewer, *, item_id: object, values: dict) -> OnboardingItem:
    viewer.require(MEMBER, message=MEMBERS_ONLY)
    item = item_get(viewer, item_id)
    if values.get("onboarding_flow_id") not in (None, ""):
        item.onboarding_flow = flow_get(viewer, values["onboarding_flow_id"], field="onboarding_flow_id")
    if values.get("item_type") not in (None, ""):
        choice = _choices(viewer, values["item_type"], values.get("item_id", item.item_id))[0]
        item.item_type, item.item_id = choice.item_type, choice.item_id
        item.display_name = _display_name(viewer, choice)
    elif values.get("item_id") not in (None, "") and item.item_type == FORM_ITEM_TYPE:
        item.item_id = _choices(viewer, FORM_ITEM_TYPE, values["item_id"])[0].item_id
        item.display_name = _display_name(viewer, ItemChoice(FORM_ITEM_TYPE, item.item_id))
    if values.get("is_skippable") is not None:
        item.is_skippable = bool(values["is_skippable"])
    if values.get("row_order") is not None:
        if not -1_000_000 <= values["row_order"] <= 1_000_000:
            raise ValidationFailed("row_order", "row_order is out of range.")
        item.row_order = values["row_order"]
    errors = Collector()
    if values.get("display_name") is not None:
        item.display_name = clean_text(errors, "display_name", values["display_name"], limit=255) or ""
    if values.get("welcome_text") is not None:
        item.welcome_text = clean_text(errors, "welcome_text", values["welcome_text"], limit=20_000) or ""
    errors.raise_if_any()
    item.save()
    return item


@transaction.atomic
def item_delete(viewer: Viewer, *, item_id: object) -> OnboardingItem:
    """Removes the item; patients' completions of it stay (``unassociatedCompletedOnboardingItems``)."""
    viewer.require(MEMBER, message=MEMBERS_ONLY)
    item = item_get(viewer, item_id)
    deleted_pk = item.pk
    item.delete()
    item.pk = deleted_pk
    return item


@transaction.atomic
def completed_item_create(viewer: Viewer, *, onboarding_item_id: object, user_id: object = None,
                          skipped: bool | None = None) -> CompletedOnboardingItem:
    """Marks an item of the patient's flow done (or skipped); marking it again updates ``skipped``."""
    if not (viewer.is_patient or viewer.is_member):
        viewer.require(MEMBER, message=MEMBERS_ONLY)
    patient = patient_for_completion(viewer, user_id)
    item = visible_items(viewer).filter(pk=parse_id(onboarding_item_id) or 0).first()
    if item is None:
        raise NotFound("onboarding_item_id", "Onboarding item not found.")
    if skipped and not item.is_skippable:
        raise ValidationFailed("skipped", "This onboarding item cannot be skipped.")
    values = {"item_type": item.item_type, "item_id": item.item_id, "skipped": bool(skipped)}
    try:
        with transaction.atomic():
            completed, _ = CompletedOnboardingItem.objects.update_or_create(
                user=patient, onboarding_item=item, defaults=values)
    except IntegrityError:  # a concurrent first completion won: update it instead
        completed = CompletedOnboardingItem.objects.get(user=patient, onboarding_item=item)
        CompletedOnboardingItem.objects.filter(pk=completed.pk).update(**values)
        completed.refresh_from_db()
    return completed


def onboarding_flow_exists(organization_id: int, flow_id: object) -> int | None:
    """Hook for accounts (``UserGroup.onboarding_flow_id`` and the ``users`` filter): the id
    of a live flow of the organization, or ``None``."""
    pk = parse_id(flow_id)
    if pk is None:
        return None
    found = OnboardingFlow.objects.filter(pk=pk, organization_id=organization_id, deleted_at=None).exists()
    return pk if found else None
