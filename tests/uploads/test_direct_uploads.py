"""The upload facility on its own: declare, PUT over HTTP, consume once; signed downloads."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from apps.accounts.viewer import Viewer
from apps.core.errors import NotFound, ValidationFailed
from apps.uploads import downloads
from apps.uploads.models import DirectUpload
from apps.uploads.services import UploadRequest, direct_upload_consume, direct_upload_create

pytestmark = pytest.mark.django_db

GIF = b"GIF89a" + bytes(range(40))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()  # noqa: S324


def viewer_of(user) -> Viewer:
    return Viewer(user=user)


def ticket(user, data: bytes = GIF, target: int = 7):
    return direct_upload_create(viewer=viewer_of(user), purpose="tests.thing", target_id=target, data=UploadRequest(
        filename="../../etc/pic.gif", byte_size=len(data), checksum=md5(data), content_type="image/gif"))


def put(path: str, data: bytes, **headers: str):
    parts = urlsplit(path)
    return Client().put(f"{parts.path}?{parts.query}", data=data, content_type=headers.pop("content_type",
                                                                                          "image/gif"),
                        headers=headers)


def test_put_then_consume_once(world):
    found = ticket(world.provider)
    assert found.upload.filename == "pic.gif"  # no path from the client is kept
    assert dict(found.headers) == {"Content-Type": "image/gif", "Content-MD5": md5(GIF)}
    response = put(found.path, GIF, **{"Content-MD5": md5(GIF)})
    assert response.status_code == 204
    upload = DirectUpload.objects.get(pk=found.upload.pk)
    assert upload.uploaded_at and upload.file.name.startswith("uploads/") and upload.file.name.endswith(".gif")
    assert default_storage.open(upload.file.name).read() == GIF
    used = direct_upload_consume(viewer=viewer_of(world.provider), raw_upload_id=str(upload.pk),
                                 purpose="tests.thing", target_id=7)
    assert used.consumed_at is not None
    with pytest.raises(ValidationFailed):
        direct_upload_consume(viewer=viewer_of(world.provider), raw_upload_id=str(upload.pk),
                              purpose="tests.thing", target_id=7)


def test_consume_answers_missing_for_anyone_else(world, other_world):
    found = ticket(world.provider)
    assert put(found.path, GIF).status_code == 204
    for user, purpose, target in ((other_world.owner, "tests.thing", 7), (world.owner, "tests.thing", 7),
                                  (world.provider, "tests.other", 7), (world.provider, "tests.thing", 8)):
        with pytest.raises(NotFound) as error:
            direct_upload_consume(viewer=viewer_of(user), raw_upload_id=str(found.upload.pk), purpose=purpose,
                                  target_id=target)
        assert error.value.as_message().field == "upload_id"
    for raw in ("abc", "-1", "١", "", None, "9" * 40):
        with pytest.raises(NotFound):
            direct_upload_consume(viewer=viewer_of(world.provider), raw_upload_id=raw, purpose="tests.thing",
                                  target_id=7)


def test_put_refusals(world, settings):
    found = ticket(world.provider)
    assert put(found.path, GIF[:-1] + b"!").status_code == 400           # bad checksum
    assert put(found.path, GIF, content_type="image/png").status_code == 400
    assert put(found.path, GIF + b"!").status_code == 413                # longer than declared
    settings.DIRECT_UPLOAD_MAX_BYTES = 10
    oversize = put(found.path, GIF)
    assert oversize.status_code == 413 and oversize.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    settings.DIRECT_UPLOAD_MAX_BYTES = 1024
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2), tick=False):
        assert put(found.path, GIF).status_code == 404                   # expired URL
    assert put("/uploads/direct?token=", GIF).status_code == 404
    assert not DirectUpload.objects.get(pk=found.upload.pk).file
    assert put(found.path, GIF).status_code == 204
    assert put(found.path, GIF).status_code == 409                       # once only


def test_signed_download_links(world, monkeypatch):
    name = default_storage.save("uploads/test/x.gif", ContentFile(GIF))
    stored = downloads.StoredFile(name, "x.gif", "image/gif")
    monkeypatch.setitem(downloads._KINDS, "tests.file", lambda pk: stored if pk == 5 else None)
    link = downloads.signed_path("tests.file", 5)
    response = Client().get(link)
    assert response.status_code == 200 and b"".join(response.streaming_content) == GIF
    assert response["X-Content-Type-Options"] == "nosniff"
    assert Client().get(downloads.signed_path("tests.file", 6)).status_code == 404
    assert Client().get(downloads.signed_path("tests.unknown", 5)).status_code == 404
    assert Client().get(link + "x").status_code == 404
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2), tick=False):
        assert Client().get(link).status_code == 404


def test_unattached_uploads_and_their_files_expire(world, django_capture_on_commit_callbacks):
    from apps.core import jobs

    kept, dropped, unsent = ticket(world.provider), ticket(world.provider), ticket(world.provider)
    assert put(kept.path, GIF).status_code == 204 and put(dropped.path, GIF).status_code == 204
    direct_upload_consume(viewer=viewer_of(world.provider), raw_upload_id=kept.upload.pk, purpose="tests.thing",
                          target_id=7)
    name = DirectUpload.objects.get(pk=dropped.upload.pk).file.name
    later = time_machine.travel(timezone.now() + dt.timedelta(hours=2), tick=False)
    with later, django_capture_on_commit_callbacks(execute=True):
        jobs.drain()
    assert list(DirectUpload.objects.values_list("pk", flat=True)) == [kept.upload.pk]
    assert not default_storage.exists(name)
    assert default_storage.exists(DirectUpload.objects.get(pk=kept.upload.pk).file.name)
    assert unsent.upload.pk not in DirectUpload.objects.values_list("pk", flat=True)


def test_a_body_beyond_the_json_limit_is_accepted(world, settings):
    big = b"%PDF-1.7\n" + b"0" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024)
    found = direct_upload_create(viewer=viewer_of(world.provider), purpose="tests.thing", target_id=1,
                                 data=UploadRequest(filename="big.pdf", byte_size=len(big), checksum=md5(big),
                                                    content_type="application/pdf"))
    assert put(found.path, big, content_type="application/pdf").status_code == 204
    assert default_storage.size(DirectUpload.objects.get(pk=found.upload.pk).file.name) == len(big)
