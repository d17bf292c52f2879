"""A unit's inbox in deadline order (page 1 reads 20 index entries instead of joining and
sorting every report the unit works on), and a region's public reports (a province's
feed is counted from this index alone). Figures in bench/README.md, issue 13."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0009_public_feed_indexes_and_no_duplicate_fk_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ["dispositioned", "in_progress", "responded"])
                ),
                fields=["agency", "due_at", "id"],
                name="report_agency_inbox_due",
            ),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                condition=models.Q(
                    ("confidential", False),
                    ("status__in", ["closed", "dispositioned", "in_progress", "responded"]),
                ),
                fields=["region"],
                name="report_public_region",
                opclasses=["varchar_pattern_ops"],
            ),
        ),
    ]
