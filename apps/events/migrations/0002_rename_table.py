from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0001_initial"),
        ("webhooks", "0003_event_moved_to_events"),
    ]

    operations = [
        migrations.AlterModelTable(name="event", table=None),
    ]
