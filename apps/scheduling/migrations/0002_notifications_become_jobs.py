"""Pending appointment e-mails move from AppointmentNotification rows to generic jobs."""

from django.db import migrations

KINDS = {"confirmation": "scheduling.appointment_confirmation", "reminder": "scheduling.appointment_reminder"}


def move_pending(apps, schema_editor):
    notification = apps.get_model("scheduling", "AppointmentNotification")
    job = apps.get_model("core", "Job")
    pending = notification.objects.filter(sent_at__isnull=True, cancelled_at__isnull=True).select_related(
        "appointment")
    job.objects.bulk_create([
        job(kind=KINDS.get(row.kind, KINDS["reminder"]), payload={"appointment_id": row.appointment_id},
            subject=f"appointment:{row.appointment_id}", organization_id=row.appointment.organization_id,
            status="pending", next_attempt_at=row.due_at, attempts=row.attempts, last_error=row.last_error)
        for row in pending.iterator()
    ])


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
        ("scheduling", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(move_pending, migrations.RunPython.noop),
        migrations.DeleteModel(name="AppointmentNotification"),
    ]
