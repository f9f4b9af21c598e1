from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("forms", "0001_initial")]

    operations = [
        migrations.AddField(model_name="custommoduleform", name="archived_at",
                            field=models.DateTimeField(blank=True, null=True)),
    ]
