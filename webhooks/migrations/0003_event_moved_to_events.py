# Event now belongs to apps.events (its 0001 takes the table over); only the state changes here.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("webhooks", "0002_endpoints_deliveries"),
        ("events", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="delivery",
                    name="event",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                            related_name="deliveries", to="events.event"),
                ),
                migrations.DeleteModel(name="Event"),
            ],
            database_operations=[],
        ),
    ]
