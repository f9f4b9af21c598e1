from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_auto_create_convo_for_care_team")]

    operations = [
        migrations.AddField(model_name="organizationmembership", name="can_lock_own_charting_notes",
                            field=models.BooleanField(default=True)),
        migrations.AddField(model_name="organizationmembership", name="can_lock_others_charting_notes",
                            field=models.BooleanField(default=False)),
    ]
