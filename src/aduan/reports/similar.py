"""Open public reports like the one a citizen is typing, so that they can support one
instead of filing a duplicate.

A stand-in until the search app (``aduan.search``) ranks by Indonesian full text: it has
the same signature, and its only caller (``web.views``) imports it by this one name, so
switching is a one-line change there. Until then: words of four letters or more, not
common ones, found in the text the public reads (as the feed's search does); a report
must hold two of them (one if the text has only one), and those in the same region (or
inside it) or with the same agency (or its units) come first.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Coalesce, NullIf

from aduan.agencies.models import Agency
from aduan.core.text import as_pk

from .models import Report, Status
from .selectors import (
    AnyUser,
    _is_authenticated,
    _searchable_in_public,
    public_reports_q,
    region_q,
    with_support_state,
)

OPEN_PUBLIC_STATUSES = (Status.DISPOSITIONED, Status.IN_PROGRESS, Status.RESPONDED)
MAX_TERMS = 12
MIN_TERM_LENGTH = 4
# Words too common in reports to say what one is about (Indonesian, a few English).
# fmt: off
STOP_WORDS = frozenset({
    "yang", "dan", "atau", "dari", "untuk", "dengan", "pada", "dalam", "kepada", "oleh",
    "akan", "sudah", "belum", "telah", "tidak", "bukan", "juga", "sangat", "masih", "hanya",
    "sejak", "karena", "sehingga", "agar", "supaya", "tetapi", "namun", "saat", "ketika",
    "setelah", "sebelum", "sampai", "hingga", "adalah", "ialah", "bahwa", "dapat", "bisa",
    "harus", "mohon", "tolong", "kami", "saya", "kita", "mereka", "anda", "beliau", "warga",
    "bapak", "sekitar", "banyak", "sering", "selalu", "para", "tersebut", "terjadi", "hari",
    "bulan", "tahun", "minggu", "lebih", "kurang", "masalah", "laporan", "keluhan", "this",
    "that", "with", "from", "have", "been", "there", "their", "about",
})
# fmt: on


def similar_terms(title: str, body: str) -> list[str]:
    """The words that say what the text is about, title first, each once, at most 12."""
    terms: list[str] = []
    for raw in f"{title} {body}".lower().split():
        word = raw.strip(".,;:!?()[]\"'“”‘’/-")[:50]
        if (
            len(word) >= MIN_TERM_LENGTH
            and word not in STOP_WORDS
            and word not in terms
            and _searchable_in_public(word)
        ):
            terms.append(word)
        if len(terms) == MAX_TERMS:
            break
    return terms


def _nearby_q(region_code: str | None, agency_id) -> Q | None:
    near = Q()
    if region_code and region_code.strip():
        near |= region_q(region_code.strip())
    agency_pk = as_pk(agency_id) if agency_id else None
    if agency_pk is not None:
        path = Agency.objects.filter(pk=agency_pk).values_list("path", flat=True).first()
        if path:
            near |= Q(agency__path__startswith=path)
    return near or None


def similar_open_reports(
    title: str,
    body: str,
    region_code: str | None = None,
    agency_id: int | None = None,
    limit: int = 5,
    user: AnyUser = None,
) -> QuerySet[Report]:
    """Up to ``limit`` verified, public, not yet closed reports sharing words with
    ``title``/``body``: nearby ones first, then the most words shared, the most supported,
    the newest. Never a confidential, unverified or closed one, nor ``user``'s own."""
    terms = similar_terms(title or "", body or "")
    if not terms:
        return Report.objects.none()
    qs = Report.objects.filter(public_reports_q(), status__in=OPEN_PUBLIC_STATUSES)
    if _is_authenticated(user):
        qs = qs.exclude(reporter=user)
    qs = qs.annotate(
        search_text=Coalesce(NullIf("public_title", Value("")), "title"),
        search_body=Coalesce(
            NullIf("public_body", Value("", output_field=TextField())),
            "body",
            output_field=TextField(),
        ),
    )
    matches = [Q(search_text__icontains=t) | Q(search_body__icontains=t) for t in terms]
    shared = sum(
        (Case(When(match, then=Value(1)), default=Value(0)) for match in matches),
        start=Value(0),
    )
    near = _nearby_q(region_code, agency_id)
    qs = qs.annotate(
        shared=shared,
        nearby=Case(When(near, then=Value(1)), default=Value(0), output_field=IntegerField())
        if near is not None
        else Value(0, output_field=IntegerField()),
    ).filter(shared__gte=min(2, len(terms)))
    qs = with_support_state(qs, user=user)
    return qs.select_related("agency", "category", "region").order_by(
        "-nearby", "-shared", "-support_count", "-created_at", "-id"
    )[:limit]
