"""A small WebP of each ready image, for the public cards (issue 14)."""

import aduan.reports.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0011_public_id_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="thumbnail",
            field=models.FileField(
                blank=True,
                max_length=200,
                upload_to=aduan.reports.models.attachment_thumbnail_upload_to,
            ),
        ),
        migrations.AddField(
            model_name="attachment",
            name="thumbnail_height",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="attachment",
            name="thumbnail_width",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
    ]
