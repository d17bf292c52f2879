"""The ``uncertain`` state: a message handed over whose outcome nobody knows was recorded
as ``failed`` with "delivery uncertain" in its error; it gets a state of its own."""

from django.db import migrations, models

UNCERTAIN_ERRORS = ("delivery uncertain", "interrupted: delivery uncertain")


def forwards(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    rows = Notification.objects.filter(state="failed")
    for prefix in UNCERTAIN_ERRORS:
        rows.filter(last_error__startswith=prefix).update(state="uncertain")


def backwards(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.filter(state="uncertain").update(state="failed")


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="state",
            field=models.CharField(
                choices=[
                    ("pending", "Waiting to be sent"),
                    ("sending", "Being sent"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                    ("uncertain", "Delivery uncertain"),
                    ("skipped", "Skipped"),
                ],
                default="pending",
                max_length=16,
                verbose_name="state",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
