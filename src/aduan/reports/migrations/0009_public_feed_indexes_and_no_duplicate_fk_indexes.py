"""The public feed's index holds exactly the public reports (``public_reports_q``), so
its page and its capped count read the index alone; the same for one agency's public
reports. The single-column indexes Django made for region (twice, with its ``_like``
twin), agency, category and reporter go: composite indexes lead with each column.

The foreign keys stay as they are: ``AlterField`` would drop and re-add each constraint,
which re-checks every row of the table; only the indexes are dropped here.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Django's names for the single-column indexes (the same on SQLite and PostgreSQL).
DUPLICATE_INDEXES = {
    "reports_report_agency_id_fe64f2a4": "agency_id",
    "reports_report_category_id_7a7857a8": "category_id",
    "reports_report_region_id_b9529c1f": "region_id",
    "reports_report_reporter_id_d54be306": "reporter_id",
}
REGION_LIKE = "reports_report_region_id_b9529c1f_like"


def drop_duplicate_indexes(apps, schema_editor):
    for name in [*DUPLICATE_INDEXES, REGION_LIKE]:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create_duplicate_indexes(apps, schema_editor):
    for name, column in DUPLICATE_INDEXES.items():
        schema_editor.execute(f'CREATE INDEX "{name}" ON "reports_report" ("{column}")')
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX "{REGION_LIKE}" ON "reports_report" ("region_id" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0002_code_allows_region_codes"),
        ("categories", "0001_initial"),
        ("regions", "0002_parent_indexed_with_name"),
        ("reports", "0008_attachment_state"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="report",
                    name="agency",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reports",
                        to="agencies.agency",
                        verbose_name="handling agency",
                    ),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="category",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reports",
                        to="categories.category",
                        verbose_name="category",
                    ),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="region",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="regions.region",
                        verbose_name="location",
                    ),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="reporter",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reports",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="reporter",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_duplicate_indexes, create_duplicate_indexes),
            ],
        ),
        migrations.RemoveIndex(
            model_name="report",
            name="report_public_feed",
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                condition=models.Q(
                    ("confidential", False),
                    ("status__in", ["closed", "dispositioned", "in_progress", "responded"]),
                ),
                fields=["-created_at", "-id"],
                name="report_public_recent",
            ),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                condition=models.Q(
                    ("confidential", False),
                    ("status__in", ["closed", "dispositioned", "in_progress", "responded"]),
                ),
                fields=["agency", "-created_at", "-id"],
                name="report_public_agency",
            ),
        ),
    ]
