"""Invitation codes were stored in clear; keep only their SHA-256 and give each an expiry.

Codes already mailed keep working (their hash matches) for INVITATION_TOKEN_TTL_HOURS from the
migration. Going back cannot restore a code from its hash: reversed, pending invitations are
dropped and members resend them (updateClient resend_welcome).
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def hash_plain_tokens(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    expires = timezone.now() + dt.timedelta(hours=settings.INVITATION_TOKEN_TTL_HOURS)
    # Read first, then write: SQLite gives no isolation between a cursor and writes on one connection.
    pending = list(User.objects.exclude(signup_token="").values_list("pk", "signup_token"))
    for pk, plain in pending:
        # The same digest as apps.core.crypto.token_hash (not imported: migrations stay frozen).
        User.objects.filter(pk=pk).update(signup_token_hash=hashlib.sha256(plain.encode()).hexdigest(),
                                          signup_token_expires_at=expires)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="signup_token_hash",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.AddField(
            model_name="user",
            name="signup_token_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(hash_plain_tokens, migrations.RunPython.noop, elidable=False),
        migrations.RemoveField(
            model_name="user",
            name="signup_token",
        ),
    ]
