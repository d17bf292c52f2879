"""The read side's daily roll-ups (ADR 0015).

``DailyFigure``: per local day (Asia/Jakarta) and the report's current dimensions, how
many things happened (received, verified, responded …). ``DailyDuration``: how many first
responses and closings took 0, 1, … 30+ working days, for medians. ``ReportRollup``: what
each report contributed last, so that a change writes only the difference.

Dimensions are plain values (0 or "" for "none"), not foreign keys: the unique key then
has no NULLs (NULLs never collide in a unique index) and an increment is one indexed
UPDATE on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from django.db import models

# The dimensions every roll-up row carries, in its unique key's order. Adding one: a field
# here, its value in ``rollup.report_dimensions``, a migration, ``manage.py oversight_rebuild``.
DIMENSIONS = (
    "agency_id",
    "province",
    "regency",
    "category_id",
    "channel",
    "classification",
    "is_public",
)


class RollupKey(models.Model):
    day = models.DateField()
    # The handling agency now (0: none yet, the national desk has it).
    agency_id = models.IntegerField(default=0)
    # The report's region at province ("32") and regency/city ("32.73") level ("": none).
    province = models.CharField(max_length=2, default="", blank=True)
    regency = models.CharField(max_length=5, default="", blank=True)
    category_id = models.IntegerField(default=0)
    channel = models.CharField(max_length=16)
    classification = models.CharField(max_length=24)
    # The report is verified, with an agency, and not confidential: counted in public figures.
    is_public = models.BooleanField(default=False)

    class Meta:
        abstract = True


class DailyFigure(RollupKey):
    """Counts per day; ``open_*``/``overdue_*`` are flows: the number open (overdue) at the
    end of day D is the sum of ``*_in - *_out`` over every day up to D."""

    received = models.IntegerField(default=0, db_default=0)
    verified = models.IntegerField(default=0, db_default=0)
    returned = models.IntegerField(default=0, db_default=0)
    responded = models.IntegerField(default=0, db_default=0)
    responded_on_time = models.IntegerField(default=0, db_default=0)
    first_response_days = models.IntegerField(default=0, db_default=0)
    closed = models.IntegerField(default=0, db_default=0)
    close_days = models.IntegerField(default=0, db_default=0)
    reopened = models.IntegerField(default=0, db_default=0)
    rating_count = models.IntegerField(default=0, db_default=0)
    rating_sum = models.IntegerField(default=0, db_default=0)
    open_in = models.IntegerField(default=0, db_default=0)
    open_out = models.IntegerField(default=0, db_default=0)
    overdue_in = models.IntegerField(default=0, db_default=0)
    overdue_out = models.IntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", *DIMENSIONS], name="daily_figure_cell")
        ]
        indexes = [
            models.Index(fields=["day", "agency_id"], name="daily_figure_day_agency"),
            models.Index(fields=["agency_id", "day"], name="daily_figure_agency_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} agency {self.agency_id}"


MEASURES = tuple(
    field.name
    for field in DailyFigure._meta.concrete_fields
    if field.name not in {"id", "day", *DIMENSIONS}
)


class DurationMeasure(models.TextChoices):
    FIRST_RESPONSE = "first_response", "first response"
    CLOSE = "close", "close"


# Working days at or above this are counted together ("30+").
DURATION_CAP = 30


class DailyDuration(RollupKey):
    measure = models.CharField(max_length=16, choices=DurationMeasure.choices)
    days = models.PositiveSmallIntegerField()
    count = models.IntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", *DIMENSIONS, "measure", "days"], name="daily_duration_cell"
            )
        ]
        indexes = [models.Index(fields=["day", "agency_id"], name="daily_duration_day_agency")]

    def __str__(self) -> str:
        return f"{self.day} {self.measure} {self.days}"


class ReportRollup(models.Model):
    """What one report contributes to the roll-ups now: {cell key: count}."""

    report = models.OneToOneField(
        "reports.Report", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    cells = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"roll-up of {self.report_id}"
