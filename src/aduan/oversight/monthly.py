"""The monthly PDF per top-level agency: the month's figures (the read side's selectors,
ADR 0015), received vs closed per week as bars and as a table, and the reports overdue
now as the agency's admin sees them in the inbox. Kept as ``MonthlyReport`` and e-mailed
to the agency's admins and oversight (``tasks.monthly_reports``).

fpdf2 draws the PDF in pure Python; a Unicode TrueType font (DejaVu Sans) is needed for
Indonesian names and the PDF's text to be extractable. ``ADUAN_PDF_FONT_DIR`` names its
folder; otherwise the usual system folders are searched and a clear error says what to
install when none holds it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import override

from aduan.accounts.capabilities import agency_admins_q, oversight_q
from aduan.accounts.models import User
from aduan.agencies.models import Agency
from aduan.agencies.selectors import agency_subtree_ids
from aduan.reports.models import Report
from aduan.reports.selectors import report_public_text, report_text_for
from aduan.workflow.selectors import InboxFilters, inbox_for_user

from .models import MonthlyReport
from .selectors import Figures, Period, Slice, Where, breakdown, figures, received_total

logger = logging.getLogger(__name__)

FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu (fonts-dejavu-core)
    "/usr/share/fonts/dejavu-sans-fonts",  # Fedora
    "/usr/share/fonts/dejavu",  # Alpine, Arch
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts/dejavu",
    "/Library/Fonts",
)
OVERDUE_LISTED = 200  # the PDF lists at most this many overdue reports (and says so)
EMAIL_ATTEMPTS = 3


def month_of(day: dt.date) -> Period:
    """The calendar month holding ``day``."""
    last = calendar.monthrange(day.year, day.month)[1]
    return Period(day.replace(day=1), day.replace(day=last))


def previous_month(day: dt.date) -> Period:
    return month_of(day.replace(day=1) - dt.timedelta(days=1))


def font_dir() -> Path:
    """The folder holding DejaVu Sans (regular and bold); ImproperlyConfigured if none."""
    configured = settings.ADUAN_PDF_FONT_DIR
    candidates = [configured] if configured else list(FONT_DIRS)
    for candidate in candidates:
        folder = Path(candidate)
        if all((folder / name).is_file() for name in FONT_FILES.values()):
            return folder
    raise ImproperlyConfigured(
        "The monthly PDF needs the DejaVu Sans fonts (DejaVuSans.ttf, DejaVuSans-Bold.ttf): "
        "install the fonts-dejavu-core package or set ADUAN_PDF_FONT_DIR to their folder "
        f"(looked in: {', '.join(candidates)})."
    )


@dataclass
class OverdueRow:
    tracking_id: str
    title: str
    unit: str
    due: str


def overdue_rows(agency: Agency) -> tuple[list[OverdueRow], int]:
    """The agency's overdue reports as its admin reads them in the inbox (the staff
    selector, so the visibility rule and the masked text apply; no reporter is named). An
    agency without an admin gets the public text of its subtree's overdue reports."""
    admin = User.objects.filter(agency_admins_q([agency.pk]), is_active=True).first()
    if admin is not None:
        qs = inbox_for_user(user=admin, filters=InboxFilters(overdue=True))
    else:
        qs = (
            Report.objects.filter(agency_id__in=list(agency_subtree_ids(agency)), is_overdue=True)
            .select_related("agency")
            .order_by("due_at", "id")
        )
    total = qs.count()
    rows = []
    for report in qs[:OVERDUE_LISTED]:
        title = (
            report_text_for(user=admin, report=report)[0]
            if admin is not None
            else report_public_text(report)[0]
        )
        due = timezone.localtime(report.due_at).date() if report.due_at else None
        rows.append(
            OverdueRow(
                tracking_id=report.tracking_id,
                title=title,
                unit=report.agency.name if report.agency_id else "",
                due=date_format(due, "j M Y") if due else "–",
            )
        )
    return rows, total


def _number(value: int | None) -> str:
    return "–" if value is None else f"{value:,}".replace(",", ".")


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _decimal(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}".replace(".", ",")


def figure_rows(totals: Figures) -> list[tuple[str, str]]:
    """The figures the PDF states, as (label, value) in the active language."""
    return [
        (_("Received"), _number(totals.received)),
        (_("Verified"), _number(totals.verified)),
        (_("Open at the end of the month"), _number(totals.open)),
        (_("Overdue at the end of the month"), _number(totals.overdue)),
        (_("First responses"), _number(totals.responded)),
        (_("Share answered on time"), _share(totals.on_time_share)),
        (
            _("Median working days to first response"),
            _number(totals.median_first_response_days),
        ),
        (_("Median working days to closing"), _number(totals.median_close_days)),
        (_("Closed"), _number(totals.closed)),
        (_("Returned"), _number(totals.returned)),
        (_("Reopened"), _number(totals.reopened)),
        (_("Average rating"), _decimal(totals.average_rating)),
    ]


def monthly_pdf(agency: Agency, period: Period) -> bytes:
    """The PDF of ``agency`` (with its units) for ``period``, in Indonesian."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    where = Where(agency_ids=tuple(agency_subtree_ids(agency)))
    totals = figures(where=where, period=period)
    weeks = breakdown(where=where, period=period, by="week")
    with override("id"):
        overdue, overdue_total = overdue_rows(agency)
        month_name = date_format(period.start, "F Y")
        pdf = FPDF(format="A4")
        folder = font_dir()
        for style, name in FONT_FILES.items():
            pdf.add_font("DejaVu", style, str(folder / name))
        pdf.set_title(
            _("Monthly report %(agency)s %(month)s") % {"agency": agency.name, "month": month_name}
        )
        pdf.set_author("Aduan")
        pdf.set_creation_date(timezone.now())
        pdf.set_auto_page_break(auto=True, margin=15)
        pdf.add_page()
        line = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}

        pdf.set_font("DejaVu", "B", 16)
        pdf.multi_cell(0, 8, _("Monthly report"), **line)
        pdf.set_font("DejaVu", "B", 13)
        pdf.multi_cell(0, 7, agency.name, **line)
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(
            0,
            6,
            _("%(month)s (%(start)s to %(end)s), the agency with its units.")
            % {
                "month": month_name,
                "start": date_format(period.start, "j M Y"),
                "end": date_format(period.end, "j M Y"),
            },
            **line,
        )
        pdf.ln(3)

        _heading(pdf, _("Figures"), line)
        _table(pdf, [(_("Figure"), _("Value"))], figure_rows(totals), (120, 50))

        _heading(pdf, _("Received and closed per week"), line)
        _bars(pdf, weeks)
        _table(
            pdf,
            [(_("Week of"), _("Received"), _("Closed"))],
            [(date_format(w.key, "j M Y"), _number(w.received), _number(w.closed)) for w in weeks],
            (70, 50, 50),
        )

        _heading(pdf, _("Reports overdue now"), line)
        if not overdue:
            pdf.multi_cell(0, 6, _("No report is overdue."), **line)
        else:
            if overdue_total > len(overdue):
                pdf.multi_cell(
                    0,
                    6,
                    _("The %(listed)s oldest of %(total)s overdue reports.")
                    % {"listed": len(overdue), "total": overdue_total},
                    **line,
                )
            _table(
                pdf,
                [(_("Tracking number"), _("Title"), _("Unit"), _("Due"))],
                [(r.tracking_id, r.title, r.unit, r.due) for r in overdue],
                (32, 80, 45, 25),
            )
        pdf.ln(2)
        pdf.set_font("DejaVu", "", 8)
        pdf.multi_cell(
            0,
            5,
            _("Generated by Aduan on %(when)s. Reporters are not named.")
            % {"when": date_format(timezone.localtime(), "j M Y H:i")},
            **line,
        )
        return bytes(pdf.output())


def _heading(pdf, text: str, line: dict) -> None:
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 12)
    pdf.multi_cell(0, 7, text, **line)
    pdf.set_font("DejaVu", "", 9)


def _table(pdf, head: list[tuple[str, ...]], rows: list[tuple[str, ...]], widths) -> None:
    pdf.set_font("DejaVu", "", 9)
    with pdf.table(col_widths=widths, width=sum(widths), align="LEFT", line_height=5) as table:
        for values in [*head, *rows]:
            row = table.row()
            for value in values:
                row.cell(str(value))
    pdf.ln(2)


BAR_COLOURS = ((31, 111, 235), (217, 72, 15))


def _bars(pdf, weeks: list[Slice]) -> None:
    """Grouped bars (received, closed) per week, drawn with rectangles; the table below
    holds the same numbers."""
    height, label_space = 40, 6
    left, top = pdf.l_margin, pdf.get_y() + 6
    width = pdf.w - pdf.l_margin - pdf.r_margin
    if pdf.will_page_break(height + label_space + 12):
        pdf.add_page()
        top = pdf.get_y() + 6
    highest = max([w.received for w in weeks] + [w.closed for w in weeks] + [1])
    pdf.set_font("DejaVu", "", 8)
    # Legend.
    for index, name in enumerate((_("Received"), _("Closed"))):
        pdf.set_fill_color(*BAR_COLOURS[index])
        pdf.rect(left + index * 45, top - 5, 3, 3, style="F")
        pdf.set_xy(left + index * 45 + 4, top - 6)
        pdf.cell(40, 4, name)
    top += 2
    pdf.set_draw_color(150, 150, 150)
    pdf.line(left, top + height, left + width, top + height)
    slot = width / max(len(weeks), 1)
    bar = min(slot / 3, 12)
    for index, week in enumerate(weeks):
        x = left + index * slot + (slot - 2 * bar) / 2
        for offset, value in enumerate((week.received, week.closed)):
            tall = height * value / highest
            pdf.set_fill_color(*BAR_COLOURS[offset])
            if tall > 0:
                pdf.rect(x + offset * bar, top + height - tall, bar, tall, style="F")
            pdf.set_xy(x + offset * bar, top + height - tall - 4)
            pdf.cell(bar, 4, _number(value), align="C")
        pdf.set_xy(left + index * slot, top + height + 1)
        pdf.cell(slot, 4, date_format(week.key, "j M"), align="C")
    pdf.set_y(top + height + label_space + 2)


# --- Keeping and sending -------------------------------------------------------------------


def agencies_with_reports(period: Period) -> list[Agency]:
    """The active top-level agencies whose subtree received reports in ``period``."""
    found = []
    for agency in Agency.objects.filter(parent__isnull=True, is_active=True).order_by("name"):
        where = Where(agency_ids=tuple(agency_subtree_ids(agency)))
        if received_total(where=where, period=period):
            found.append(agency)
    return found


def monthly_report_create(*, agency: Agency, period: Period) -> MonthlyReport | None:
    """Generate and keep the PDF of ``agency`` for ``period``; None when it exists already
    (a second run the same month does nothing)."""
    if MonthlyReport.objects.filter(agency=agency, month=period.start).exists():
        return None
    content = monthly_pdf(agency, period)
    name = f"{slugify(agency.name) or agency.pk}-{period.start:%Y-%m}.pdf"
    try:
        with transaction.atomic():
            kept = MonthlyReport(agency=agency, month=period.start)
            kept.file.save(name, ContentFile(content), save=False)
            kept.save()
    except IntegrityError:
        return None  # another worker kept it first
    return kept


def monthly_report_recipients(agency: Agency) -> list[str]:
    """The e-mail addresses of the agency's admins and of oversight."""
    return sorted(
        set(
            User.objects.filter(agency_admins_q([agency.pk]) | oversight_q(), is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


def monthly_report_email(kept: MonthlyReport, *, pause: float = 2.0) -> bool:
    """E-mail the PDF (attached, recipients in Bcc) to the agency's admins and oversight,
    trying ``EMAIL_ATTEMPTS`` times; True once sent (``emailed_at`` set)."""
    recipients = monthly_report_recipients(kept.agency)
    if not recipients:
        return False
    with override("id"):
        month_name = date_format(kept.month, "F Y")
        message = EmailMessage(
            subject=_("Monthly report %(agency)s %(month)s")
            % {"agency": kept.agency.name, "month": month_name},
            body=_(
                "Attached is the monthly report of %(agency)s for %(month)s: its figures, "
                "the reports received and closed per week and the reports overdue now. "
                "Staff who may see its figures can also download it from the statistics pages."
            )
            % {"agency": kept.agency.name, "month": month_name},
            bcc=recipients,
        )
    with kept.file.open("rb") as handle:
        message.attach(Path(kept.file.name).name, handle.read(), "application/pdf")
    for attempt in range(1, EMAIL_ATTEMPTS + 1):
        try:
            message.send()
        except Exception:
            logger.warning(
                "Monthly report %s: e-mail attempt %s failed", kept.pk, attempt, exc_info=True
            )
            if attempt < EMAIL_ATTEMPTS:
                time.sleep(pause * attempt)
            continue
        MonthlyReport.objects.filter(pk=kept.pk).update(emailed_at=timezone.now())
        return True
    return False


def monthly_reports_run(*, period: Period) -> dict[str, int]:
    """Keep and send the PDF of every top-level agency that received reports in ``period``;
    those kept earlier but not yet e-mailed are sent again."""
    created = sent = 0
    for agency in agencies_with_reports(period):
        if monthly_report_create(agency=agency, period=period) is not None:
            created += 1
    for kept in MonthlyReport.objects.filter(
        month=period.start, emailed_at__isnull=True
    ).select_related("agency"):
        sent += monthly_report_email(kept)
    return {"created": created, "sent": sent}
