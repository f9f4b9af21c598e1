"""Settings read from the environment, with embedded defaults that run anywhere.

Defaults: SQLite file, in-memory channel layer, local-memory cache, console e-mail.
Production sets DATABASE_URL (PostgreSQL), REDIS_URL, SECRET_KEY and FIELD_ENCRYPTION_KEY.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VERSION = "0.1.0"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-development-key-change-me-in-production-0123456789")
# Fernet key (urlsafe base64, 32 bytes) used for secrets at rest. The default is
# derived from SECRET_KEY so development works out of the box; production must set it.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "apps.core",
    "schema",  # before strawberry_django so our export_schema command wins
    "channels",
    "strawberry_django",
    "apps.accounts",
    "apps.events",
    "apps.announcements",
    "apps.scheduling",
    "apps.chat",
    "apps.forms",
    "apps.uploads",
    "apps.billing",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "apps.core.middleware.RequestIdMiddleware",
    # Innermost, so exceptions escaping a view (database outage, bugs) become the API's JSON.
    "apps.core.fault_responses.FaultMiddleware",
]
# Technical pages Django still renders under DEBUG (errors raised by middleware) show no settings.
DEFAULT_EXCEPTION_REPORTER_FILTER = "apps.core.fault_responses.NoSettingsExceptionReporterFilter"

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "schema" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
        # A pooled connection that died with a database restart is noticed and replaced before
        # a request uses it, instead of failing that request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # libpq waits for an unreachable host without limit; requests and /readyz must not.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL + a busy timeout lets the demo server and a worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS: list[str] = []  # authentication is done by apps.accounts.auth
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Emails are not unique for users (the documented uniqueness is per organization,
# e-mail, first and last name), so the USERNAME_FIELD uniqueness check is silenced.
SILENCED_SYSTEM_CHECKS = ["auth.E003", "auth.W004"]

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py's pool refuses (rather than waits) past max_connections; a burst of
            # WebSocket subscribers joining groups needs more than its default of 100.
            # redis-py 8 reads with a 5 s socket timeout, the same as channels-redis' blocking
            # pop, so idle receives failed with "Timeout reading"; the socket must wait longer.
            "CONFIG": {
                # A Redis that does not answer (a partition, not a refusal) must fail a join or a
                # publish within seconds: the calls are bounded again in the hub and the publisher.
                "hosts": [{"address": REDIS_URL,
                           "max_connections": int(os.environ.get("REDIS_MAX_CONNECTIONS", "1000")),
                           "socket_timeout": 15, "socket_connect_timeout": 2}],
                "capacity": 1500,
                "expiry": 30,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "careplatform"),
            # The cache holds rate-limit counters, consulted on every request: an unreachable Redis
            # must cost a request at most this long (apps.core.ratelimit then stops asking for a second).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "no-reply@careplatform.local")

# Documented limits: 250 requests per second per API key, 100 sign-ins per minute per user.
RATE_LIMIT_API_KEY_PER_SECOND = int(os.environ.get("RATE_LIMIT_API_KEY_PER_SECOND", "250"))
RATE_LIMIT_SIGN_IN_PER_MINUTE = int(os.environ.get("RATE_LIMIT_SIGN_IN_PER_MINUTE", "100"))
# Unauthenticated completeCheckout calls per minute per client address (self-scheduling abuse guard).
RATE_LIMIT_PUBLIC_CHECKOUT_PER_MINUTE = int(os.environ.get("RATE_LIMIT_PUBLIC_CHECKOUT_PER_MINUTE", "60"))
SESSION_TOKEN_TTL_HOURS = int(os.environ.get("SESSION_TOKEN_TTL_HOURS", "720"))
# Invitation codes (welcome e-mail, set_password_link) work once, for this long (7 days).
INVITATION_TOKEN_TTL_HOURS = int(os.environ.get("INVITATION_TOKEN_TTL_HOURS", "168"))
# POSTs to /set_password per minute per client address (each one may hash a password).
RATE_LIMIT_SET_PASSWORD_PER_MINUTE = int(os.environ.get("RATE_LIMIT_SET_PASSWORD_PER_MINUTE", "20"))

# Webhooks (docs/webhooks.md). Receivers on loopback/private/link-local/metadata addresses are
# refused unless their host is listed here (local development and tests); plain http is refused
# unless WEBHOOK_ALLOW_HTTP is on, and then only for the listed hosts.
WEBHOOK_ALLOWED_PRIVATE_HOSTS = env_list("WEBHOOK_ALLOWED_PRIVATE_HOSTS")
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", False)
WEBHOOK_CONNECT_TIMEOUT = float(os.environ.get("WEBHOOK_CONNECT_TIMEOUT", "5"))
WEBHOOK_TOTAL_TIMEOUT = float(os.environ.get("WEBHOOK_TOTAL_TIMEOUT", "15"))
WEBHOOK_CONCURRENCY = int(os.environ.get("WEBHOOK_CONCURRENCY", "100"))
WEBHOOK_CONCURRENCY_PER_HOST = int(os.environ.get("WEBHOOK_CONCURRENCY_PER_HOST", "20"))
WEBHOOK_SECRET_GRACE_HOURS = int(os.environ.get("WEBHOOK_SECRET_GRACE_HOURS", "24"))
# Deliveries claimed per round: a worker killed mid-batch re-sends at most this many (those in
# flight; results are recorded as they arrive). docs/operations.md#shutdown-and-the-worker
WEBHOOK_BATCH_SIZE = int(os.environ.get("WEBHOOK_BATCH_SIZE", "20"))
# A claimed delivery whose worker died is due again after this many seconds (at least as long as
# a batch can take to send: WEBHOOK_TOTAL_TIMEOUT per wave of WEBHOOK_CONCURRENCY_PER_HOST, plus 5).
WEBHOOK_LEASE_SECONDS = float(os.environ.get("WEBHOOK_LEASE_SECONDS", "30"))
# A claimed generic job (e-mail, reminders) whose worker died is due again after this many
# seconds; a live worker keeps its job locked however long the handler takes (docs/jobs.md).
JOB_LEASE_SECONDS = float(os.environ.get("JOB_LEASE_SECONDS", "300"))
# Reminder e-mails for open form requests (apps/forms/reminders.py): the first one this many hours
# after the request, then one per interval, at most FORM_REQUEST_REMINDER_MAX (0: no reminders).
FORM_REQUEST_REMINDER_DELAY_HOURS = float(os.environ.get("FORM_REQUEST_REMINDER_DELAY_HOURS", "48"))
FORM_REQUEST_REMINDER_INTERVAL_HOURS = float(os.environ.get("FORM_REQUEST_REMINDER_INTERVAL_HOURS", "72"))
FORM_REQUEST_REMINDER_MAX = int(os.environ.get("FORM_REQUEST_REMINDER_MAX", "3"))
# Seconds each /readyz probe (database, migrations, Redis) may take before it counts as failed.
READINESS_TIMEOUT = float(os.environ.get("READINESS_TIMEOUT", "2"))
# Open subscription sockets re-check their API key / session this often (revocation closes them).
SUBSCRIPTION_REAUTH_SECONDS = float(os.environ.get("SUBSCRIPTION_REAUTH_SECONDS", "60"))
# Slow or stalled subscribers (docs/operations.md): events waiting for one subscription beyond this
# many, or one message taking longer than the send timeout, close the socket with 4008; a socket
# that still has not gone this long after its close frame was queued is cut off.
SUBSCRIPTION_QUEUE_LIMIT = int(os.environ.get("SUBSCRIPTION_QUEUE_LIMIT", "1000"))
SUBSCRIPTION_SEND_TIMEOUT_SECONDS = float(os.environ.get("SUBSCRIPTION_SEND_TIMEOUT_SECONDS", "10"))
SUBSCRIPTION_CLOSE_TIMEOUT_SECONDS = float(os.environ.get("SUBSCRIPTION_CLOSE_TIMEOUT_SECONDS", "15"))
# Each server process re-joins its channel-layer groups this often: Redis without persistence
# forgets them when it restarts. Joins and publishes give up after CHANNEL_LAYER_TIMEOUT_SECONDS.
SUBSCRIPTION_GROUP_REFRESH_SECONDS = float(os.environ.get("SUBSCRIPTION_GROUP_REFRESH_SECONDS", "60"))
CHANNEL_LAYER_TIMEOUT_SECONDS = float(os.environ.get("CHANNEL_LAYER_TIMEOUT_SECONDS", "2"))

# Chat attachments (apps.chat.services.attachments): the largest file a note may carry, and how
# long a signed download URL stays valid. Files go through Django's storage API: the default
# FileSystemStorage under MEDIA_ROOT, or any S3-compatible backend configured in STORAGES.
CHAT_ATTACHMENT_MAX_BYTES = int(os.environ.get("CHAT_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
CHAT_ATTACHMENT_URL_MAX_AGE_SECONDS = int(os.environ.get("CHAT_ATTACHMENT_URL_MAX_AGE_SECONDS", "3600"))
# Direct uploads (apps.uploads): the largest file a client may declare and PUT, how long the
# signed PUT URL and the unattached upload live, and how long a signed download link stays valid.
DIRECT_UPLOAD_MAX_BYTES = int(os.environ.get("DIRECT_UPLOAD_MAX_BYTES", str(CHAT_ATTACHMENT_MAX_BYTES)))
DIRECT_UPLOAD_MAX_AGE_SECONDS = int(os.environ.get("DIRECT_UPLOAD_MAX_AGE_SECONDS", "3600"))
FILE_URL_MAX_AGE_SECONDS = int(os.environ.get("FILE_URL_MAX_AGE_SECONDS", "3600"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"  # never routed: attachments are served by the signed view only
STORAGES = {
    "default": {"BACKEND": os.environ.get("DEFAULT_FILE_STORAGE_BACKEND",
                                          "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Multipart requests (the Upload scalar): Django streams file parts to temporary files, so
# their bodies are bounded by this instead of the JSON body limit (DATA_UPLOAD_MAX_MEMORY_SIZE,
# Django's 2.5 MB default, which also bounds base64 attachments sent inside JSON).
GRAPHQL_MULTIPART_MAX_BYTES = int(os.environ.get("GRAPHQL_MULTIPART_MAX_BYTES",
                                                 str(CHAT_ATTACHMENT_MAX_BYTES + 1024 * 1024)))

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Strawberry logs every resolver error with its traceback; we log masked errors ourselves.
        "strawberry.execution": {"level": "CRITICAL"},
        # The stripe library logs every request at INFO (customer and charge ids): keep it quiet.
        "stripe": {"level": "WARNING"},
    },
}

# Billing (apps.billing): Stripe's API address (a Stripe-compatible server in tests and local
# development, e.g. localstripe from docker-compose), retries of calls that carry an
# idempotency key, and how old a signed Stripe webhook may be.
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "2"))
STRIPE_WEBHOOK_TOLERANCE = int(os.environ.get("STRIPE_WEBHOOK_TOLERANCE", "300"))
# A failed renewal of a recurring payment is retried after each of these delays (hours); when
# the last retry fails too the recurring payment is paused and the organization is told.
BILLING_RENEWAL_RETRY_HOURS = tuple(
    float(h) for h in os.environ.get("BILLING_RENEWAL_RETRY_HOURS", "24,72,168").split(",") if h.strip())
