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


class Measures(models.Model):
    """Counts; ``open_*``/``overdue_*`` are flows: the number open (overdue) at the end of
    day D is the sum of ``*_in - *_out`` over every day up to D."""

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
    # Citizens' supports ("dukung") given that day and not taken back since.
    supported = models.IntegerField(default=0, db_default=0)

    class Meta:
        abstract = True


class DailyFigure(RollupKey, Measures):
    """Per day and every dimension: what a region filter or a regency breakdown reads."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", *DIMENSIONS], name="daily_figure_cell")
        ]
        indexes = [
            models.Index(fields=["day", "agency_id"], name="daily_figure_day_agency"),
            models.Index(fields=["agency_id", "day"], name="daily_figure_agency_day"),
            models.Index(fields=["province", "day"], name="daily_figure_province_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} agency {self.agency_id}"


class Grain(models.TextChoices):
    DAY = "D", "day"  # national totals only: the days around whole months
    WEEK = "W", "week"
    MONTH = "M", "month"


# The rows summed over every agency (``PeriodFigure.agency_id`` below 0): the national
# desk's and oversight's dashboard reads these instead of every agency's. An agency adds
# to one of ``NATIONAL_BUCKETS`` such rows, so that concurrent writers spread over them.
NATIONAL_BUCKETS = 16


def national_bucket(agency_id: int) -> int:
    """The national row ``agency_id`` adds to."""
    return -1 - agency_id % NATIONAL_BUCKETS


# The breakdowns kept per month beside the totals (``dimension`` "" is the agency's total).
MONTHLY_BREAKDOWNS = ("category_id", "channel", "province")


class PeriodFigure(Measures):
    """The same counts per week or month, per agency and public flag, and per month also
    by one breakdown (topic, channel or province): a year of every agency reads a few
    thousand rows here instead of the daily table's hundreds of thousands (ADR 0015).
    Derived from the daily cells by the same writes; no region filter (that reads daily)."""

    grain = models.CharField(max_length=1, choices=Grain.choices)
    start = models.DateField()
    agency_id = models.IntegerField(default=0)
    is_public = models.BooleanField(default=False)
    dimension = models.CharField(max_length=16, default="", blank=True)
    value = models.CharField(max_length=24, default="", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "dimension", "start", "agency_id", "is_public", "value"],
                name="period_figure_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.grain}{self.start} agency {self.agency_id} {self.dimension}"


MEASURES = tuple(field.name for field in Measures._meta.fields)


# ``ProgrammeFigure.programme_id`` of the rows that count each tagged report once, whatever
# its programmes (the KSP overseer's totals: the reports they may open).
ANY_PROGRAMME = 0


class ProgrammeFigure(Measures):
    """The same counts per day, national priority programme and agency: a report counts
    once under each programme it is tagged with now (ADR 0015's narrow table for a
    many-valued dimension). The KSP overseer's figures come only from here; the other
    dimensions are not kept (a region filter or a topic breakdown reads the daily table)."""

    day = models.DateField()
    programme_id = models.IntegerField()
    agency_id = models.IntegerField(default=0)
    is_public = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "programme_id", "agency_id", "is_public"],
                name="programme_figure_cell",
            )
        ]
        indexes = [
            models.Index(fields=["day", "programme_id"], name="programme_figure_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} programme {self.programme_id} agency {self.agency_id}"


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


class MonthlyDuration(models.Model):
    """``DailyDuration`` per month and agency, for the medians of long periods."""

    start = models.DateField()
    agency_id = models.IntegerField(default=0)
    is_public = models.BooleanField(default=False)
    measure = models.CharField(max_length=16, choices=DurationMeasure.choices)
    days = models.PositiveSmallIntegerField()
    count = models.IntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["start", "agency_id", "is_public", "measure", "days"],
                name="monthly_duration_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.start} {self.measure} {self.days}"


class ReportRollup(models.Model):
    """What one report contributes to the roll-ups now: {cell key: count}."""

    report = models.OneToOneField(
        "reports.Report", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    cells = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"roll-up of {self.report_id}"


def monthly_report_upload_to(instance: MonthlyReport, filename: str) -> str:
    return f"monthly-reports/{instance.month:%Y-%m}/{filename}"


class MonthlyReport(models.Model):
    """The monthly PDF of a top-level agency (``oversight.monthly``), kept for download:
    generated once per agency and month (the unique key makes a second run a no-op)."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="monthly_reports"
    )
    # The month's first day.
    month = models.DateField()
    file = models.FileField(upload_to=monthly_report_upload_to, max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the PDF was e-mailed to the agency's admins and oversight (None: not yet sent).
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-month", "agency__name")
        constraints = [
            models.UniqueConstraint(fields=("agency", "month"), name="monthly_report_once")
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.month:%Y-%m}"
