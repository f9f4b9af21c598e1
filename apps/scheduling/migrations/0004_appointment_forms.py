from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0003_calendar_feed_created_by"),
        ("forms", "0002_template_archived_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment", name="filled_embed_form",
            field=models.OneToOneField(blank=True, null=True, on_delete=models.deletion.SET_NULL, related_name="+",
                                       to="forms.formanswergroup"),
        ),
        migrations.AddField(
            model_name="appointment", name="form_answer_group",
            field=models.OneToOneField(blank=True, null=True, on_delete=models.deletion.SET_NULL, related_name="+",
                                       to="forms.formanswergroup"),
        ),
    ]
