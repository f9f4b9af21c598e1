"""Tags and applied tags. Tag names are unique per provider/staff account, as documented."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from apps.accounts.models import AppliedTag, Tag, User
from apps.accounts.selectors import parse_id, tag_get, tags_visible, user_get
from apps.accounts.validation import clean_text
from apps.accounts.viewer import MEMBER, Viewer
from apps.core.errors import Collector, NotFound, ValidationFailed
from apps.events.bus import emit

DUPLICATE = "A tag with this name already exists"
TAG_NAME_LIMIT = Tag._meta.get_field("name").max_length
_MEMBERS_ONLY = "Only providers and staff members can manage tags."


def _taggable_user(viewer: Viewer, user_id: object, *, required: bool) -> User | None:
    if user_id in (None, ""):
        if required:
            raise ValidationFailed("taggable_user_id", "taggable_user_id is required")
        return None
    return user_get(viewer, user_id, field="taggable_user_id")


def _apply(viewer: Viewer, tag: Tag, user: User) -> bool:
    _, created = AppliedTag.objects.get_or_create(tag=tag, user=user)
    if created:
        applied = AppliedTag.objects.get(tag=tag, user=user)
        emit("applied_tag.created", applied, organization_id=tag.organization_id, actor_id=viewer.user_id)
    return created


@transaction.atomic
def tag_create(viewer: Viewer, *, name: str | None, taggable_user_id: object = None) -> Tag:
    viewer.require(MEMBER, message=_MEMBERS_ONLY)
    errors = Collector()
    cleaned = clean_text(errors, "name", name, required=True, limit=TAG_NAME_LIMIT)
    errors.raise_if_any()
    user = _taggable_user(viewer, taggable_user_id, required=False)
    if Tag.objects.annotate(ln=Lower("name")).filter(user=viewer.user, ln=cleaned.lower()).exists():
        raise ValidationFailed("name", DUPLICATE)
    try:
        with transaction.atomic():
            tag = Tag.objects.create(organization_id=viewer.organization_id, user=viewer.user, name=cleaned)
    except IntegrityError as error:
        raise ValidationFailed("name", DUPLICATE) from error
    if user is not None:
        _apply(viewer, tag, user)
    return tag


@transaction.atomic
def tag_update(viewer: Viewer, *, tag_id: object, name: str | None) -> Tag:
    viewer.require(MEMBER, message=_MEMBERS_ONLY)
    tag = tag_get(viewer, tag_id)
    errors = Collector()
    cleaned = clean_text(errors, "name", name, required=True, limit=TAG_NAME_LIMIT)
    errors.raise_if_any()
    if Tag.objects.annotate(ln=Lower("name")).filter(user_id=tag.user_id, ln=cleaned.lower()).exclude(
        pk=tag.pk
    ).exists():
        raise ValidationFailed("name", DUPLICATE)
    tag.name = cleaned
    tag.save(update_fields=["name"])
    return tag


@transaction.atomic
def tag_delete(viewer: Viewer, *, tag_id: object) -> Tag:
    """Deletes the tag and its applications; tagged users stay untouched."""
    viewer.require(MEMBER, message=_MEMBERS_ONLY)
    tag = tag_get(viewer, tag_id)
    for applied in AppliedTag.objects.filter(tag=tag):
        emit("applied_tag.deleted", applied, organization_id=tag.organization_id, actor_id=viewer.user_id)
    deleted_id = tag.pk
    tag.delete()
    tag.pk = deleted_id
    return tag


@transaction.atomic
def tags_bulk_apply(viewer: Viewer, *, tag_ids: list[object] | None, taggable_user_id: object) -> list[Tag]:
    viewer.require(MEMBER, message=_MEMBERS_ONLY)
    if not tag_ids:
        raise ValidationFailed("ids", "ids can't be blank")
    if len(tag_ids) > 200:
        raise ValidationFailed("ids", "at most 200 tags can be applied at once")
    user = _taggable_user(viewer, taggable_user_id, required=True)
    pks = [parse_id(i) for i in tag_ids]
    tags = list(tags_visible(viewer).filter(pk__in=[p for p in pks if p]).order_by("id"))
    if None in pks or len(tags) != len(set(pks)):
        raise NotFound("ids", "Some tags were not found.")
    for tag in tags:
        _apply(viewer, tag, user)
    return tags


@transaction.atomic
def tag_remove_applied(viewer: Viewer, *, tag_id: object, taggable_user_id: object) -> Tag:
    viewer.require(MEMBER, message=_MEMBERS_ONLY)
    tag = tag_get(viewer, tag_id)
    user = _taggable_user(viewer, taggable_user_id, required=True)
    applied = AppliedTag.objects.filter(tag=tag, user=user).first()
    if applied is None:
        raise NotFound("id", "This tag is not applied to this user.")
    emit("applied_tag.deleted", applied, organization_id=tag.organization_id, actor_id=viewer.user_id)
    applied.delete()
    return tag
