"""The public reports by id, with their date: a ranked search's window walks the latest
ids of the public reports against the word index from this index alone instead of the
reports' rows (bench/README.md, issue 13)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0010_agency_inbox_and_public_region_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                condition=models.Q(
                    ("confidential", False),
                    ("status__in", ["closed", "dispositioned", "in_progress", "responded"]),
                ),
                fields=["id", "created_at"],
                name="report_public_id",
            ),
        ),
    ]
