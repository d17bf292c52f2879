"""A delivery keeps only what identifies its event; the payload is built at each attempt.

Deliveries written before keep their event's id, moment, timeline event and a reminder's
deadline, taken from the stored payload before the column goes.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def identify_from_payload(apps, schema_editor):
    WebhookDelivery = apps.get_model("aduan_webhooks", "WebhookDelivery")
    ReportEvent = apps.get_model("reports", "ReportEvent")
    for delivery in WebhookDelivery.objects.only("pk", "payload", "created_at").iterator():
        event = (delivery.payload or {}).get("event") or {}
        key = str(event.get("id") or "")[:200]
        occurred = event.get("occurred_at")
        details = {"deadline": event["deadline"]} if "deadline" in event else {}
        report_event_id = None
        kind, _sep, rest = key.partition(":")
        if kind == "event" and rest.split(":", 1)[0].isdigit():
            pk = int(rest.split(":", 1)[0])
            report_event_id = pk if ReportEvent.objects.filter(pk=pk).exists() else None
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            event_key=key,
            occurred_at=occurred or delivery.created_at,
            details=details,
            report_event_id=report_event_id,
        )


class Migration(migrations.Migration):
    # The rows are filled in before the column goes: on PostgreSQL, altering a table with
    # deferred foreign-key checks still pending in the same transaction is refused.
    atomic = False

    dependencies = [
        ("aduan_webhooks", "0001_initial"),
        ("reports", "0004_event_target_agency"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookdelivery",
            name="event_key",
            field=models.CharField(default="", max_length=200, verbose_name="event id"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="occurred_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="occurred at"
            ),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="report_event",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="reports.reportevent",
                verbose_name="timeline event",
            ),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="details",
            field=models.JSONField(blank=True, default=dict, verbose_name="details"),
        ),
        migrations.RunPython(identify_from_payload, migrations.RunPython.noop),
        migrations.RemoveField(model_name="webhookdelivery", name="payload"),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="state",
            field=models.CharField(
                choices=[
                    ("pending", "Waiting to be sent"),
                    ("sending", "Being sent"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                    ("cancelled", "Cancelled"),
                    ("withdrawn", "Withdrawn: the agency no longer handles the report"),
                ],
                default="pending",
                max_length=16,
                verbose_name="state",
            ),
        ),
    ]
