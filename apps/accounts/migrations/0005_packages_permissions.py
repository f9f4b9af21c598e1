from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_charting_lock_permissions")]

    operations = [
        migrations.AddField(model_name="organizationmembership", name="can_edit_packages",
                            field=models.BooleanField(default=True)),
        migrations.AddField(model_name="organizationmembership", name="can_edit_products",
                            field=models.BooleanField(default=True)),
    ]
