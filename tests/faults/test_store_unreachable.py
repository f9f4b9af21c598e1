"""Rate limits and event pushes against a Redis that refuses connections, or accepts them and
never answers (a partition): never an error, never a long wait, counted and reported once."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from channels.layers import channel_layers
from django.db import transaction
from django.test import override_settings

from apps.core import faults, ratelimit
from apps.core.errors import RateLimited
from apps.events import publish as publisher
from apps.events.bus import emit
from apps.events.models import Event
from tests.faults.live import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """A TCP server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


def _redis_cache(url: str) -> dict:
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    ratelimit.reset_fallback()
    for fault in (ratelimit.failed_open, ratelimit.local_fallback, publisher.unpublished):
        fault.reset()
    publisher._skip_until = 0.0
    channel_layers.backends.clear()
    yield
    ratelimit.reset_fallback()
    publisher._skip_until = 0.0
    channel_layers.backends.clear()


def test_without_its_store_the_request_budget_fails_open_and_says_so_once(caplog):
    with override_settings(CACHES=_redis_cache(f"redis://127.0.0.1:{free_port()}/0")), \
            caplog.at_level(logging.WARNING, logger="apps.core.ratelimit"):
        for _ in range(50):
            assert ratelimit.hit("api_key", "7", limit=3, window_seconds=1).allowed
    assert faults.snapshot()["ratelimit.failed_open"]["count"] == 50
    assert "Connection refused" in faults.snapshot()["ratelimit.failed_open"]["last_error"]
    assert caplog.text.count("per-key request budget not enforced") == 1


def test_without_its_store_sign_in_throttling_counts_per_process():
    with override_settings(CACHES=_redis_cache(f"redis://127.0.0.1:{free_port()}/0")):
        for _ in range(3):
            ratelimit.enforce("sign_in", "someone", limit=3, window_seconds=60, message="Too many.")
        with pytest.raises(RateLimited):
            ratelimit.enforce("sign_in", "someone", limit=3, window_seconds=60, message="Too many.")
        ratelimit.enforce("sign_in", "someone-else", limit=3, window_seconds=60, message="Too many.")
    assert faults.snapshot()["ratelimit.local_fallback"]["count"] == 5


def test_a_store_that_never_answers_costs_one_timeout_not_one_per_request(silent_redis):
    with override_settings(CACHES=_redis_cache(silent_redis)):
        started = time.monotonic()
        assert ratelimit.hit("api_key", "7", limit=3, window_seconds=1).allowed
        assert time.monotonic() - started < 2.5
        started = time.monotonic()
        for _ in range(20):
            assert ratelimit.hit("api_key", "7", limit=3, window_seconds=1).allowed
        assert time.monotonic() - started < 0.5


def test_a_publish_to_a_layer_that_never_answers_is_bounded_and_counted(silent_redis, world):
    layers = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                          "CONFIG": {"hosts": [{"address": silent_redis, "socket_timeout": 15}]}}}
    with override_settings(CHANNEL_LAYERS=layers, CHANNEL_LAYER_TIMEOUT_SECONDS=0.5):
        patient = world.patients[0]
        for field in ("first_name", "last_name"):
            started = time.monotonic()
            with transaction.atomic():  # the push runs when this commits
                emit("patient.updated", patient, organization_id=world.org.pk, changed_fields=[field])
            assert time.monotonic() - started < 2
    assert faults.snapshot()["events.unpublished"]["count"] == 2
    assert Event.objects.filter(resource_id=str(patient.pk), event_type="patient.updated").count() == 2
