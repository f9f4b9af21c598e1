# The Event model moved here from the webhooks app: the table is taken over as it is (state
# only), then renamed to this app's name.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("webhooks", "0002_endpoints_deliveries"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Event",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("event_type", models.CharField(max_length=64)),
                        ("resource_id", models.CharField(max_length=64)),
                        ("resource_id_type", models.CharField(max_length=64)),
                        ("changed_fields", models.JSONField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("actor", models.ForeignKey(blank=True, null=True,
                                                    on_delete=django.db.models.deletion.SET_NULL,
                                                    related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("organization", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                           related_name="events", to="accounts.organization")),
                    ],
                    options={
                        "db_table": "webhooks_event",
                        "indexes": [models.Index(fields=["organization", "event_type", "-id"],
                                                 name="webhooks_ev_organiz_0d441d_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
