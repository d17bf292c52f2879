# The SQL below is put together from constants; what a user typed is always a parameter.
# ruff: noqa: S608, S611
"""Reads of the search index: ``search_reports`` for the feed, the API and the staff
lists, ``similar_open_reports`` for a citizen typing a new report, ``search_highlight``
for the page of results. The same on PostgreSQL (tsvector, pg_trgm) and SQLite (FTS5).

The index holds the stems of the public text and, where it differs, of the original;
the original matches only for the rows whose original the caller reads (their own
reports, the reports they handle), and the rank always comes from the public text, so
neither a result nor its place tells a visitor what the desk masked.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Literal

from django.conf import settings
from django.db import connection
from django.db.models import FloatField, Max, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString, mark_safe

from aduan.accounts.capabilities import sees_all_reports
from aduan.agencies.models import Agency
from aduan.agencies.selectors import agency_subtree_ids
from aduan.core.text import as_pk
from aduan.reports.models import VERIFIED_STATUSES, Report, Status
from aduan.reports.selectors import (
    AnyUser,
    handled_reports_q,
    public_reports_q,
    region_q,
    report_text_for,
    report_visibility_q,
    with_support_state,
)

from .text import Query, parse_query, significant_stems, word_spans

Order = Literal["rank", "newest"] | None
SNIPPET_CHARS = 220
# Open and public: verified, with an agency, not closed (archived is never public).
SIMILAR_STATUSES = sorted(VERIFIED_STATUSES - {Status.CLOSED})
# Weights of title and text: a word in the title counts more.
_BM25 = "bm25(search_fts, 10.0, 3.0, 10.0, 3.0)"
_TRIGRAM_MIN_LENGTH = 4  # shorter words are too alike to forgive a typo in them


def _report_id_column() -> str:
    return f"{connection.ops.quote_name(Report._meta.db_table)}.{connection.ops.quote_name('id')}"


def _fts(terms: Iterable[str], *, any_term: bool = False, public_only: bool = False) -> str:
    """An FTS5 query: every (or any) stem, in the public columns or in all of them."""
    joined = (" OR " if any_term else " AND ").join(f'"{term}"' for term in terms)
    return f"{{title body}} : ({joined})" if public_only else f"({joined})"


def _tsquery(terms: Iterable[str], *, any_term: bool = False) -> str:
    # Stems are [a-z0-9]+ (search.text), nothing to_tsquery would read as an operator.
    return (" | " if any_term else " & ").join(terms)


def _indexed(term: str) -> bool:
    """Whether some public text holds the stem ``term`` (one GIN probe)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM search_entry WHERE document @@ to_tsquery('simple', %s))",
            [term],
        )
        return bool(cursor.fetchone()[0])


def _above(sql: str, params: list, column: str, above: int | None) -> RawSQL:
    """``sql`` narrowed to the ids above ``above`` (when given) in the index's own query,
    where the database can intersect the range with the word index before reading rows."""
    if above is None:
        return RawSQL(sql, params)
    return RawSQL(f"{sql} AND {column} > %s", [*params, above])


def typos_of(terms: Iterable[str]) -> frozenset[str]:
    """The stems no public text holds (a typo, as a rule), which PostgreSQL matches by
    trigrams instead: one GIN probe each, asked once per search. None on SQLite."""
    if connection.vendor != "postgresql":
        return frozenset()
    return frozenset(t for t in terms if len(t) >= _TRIGRAM_MIN_LENGTH and not _indexed(t))


def _public_match(
    terms: tuple[str, ...],
    *,
    typos: frozenset[str],
    any_term: bool = False,
    above: int | None = None,
) -> Q:
    """Reports whose public text holds every (or any) stem; on PostgreSQL a stem that no
    text holds (a typo, as a rule) matches a word within a small typo of it (trigram word
    similarity). Only then: OR-ed into every word, the trigram test read whole texts of
    every match (tens of seconds for a common word at 1,000,000 reports, bench/README)."""
    if connection.vendor == "postgresql":
        clauses, params = [], []
        for term in terms:
            if term in typos:
                clauses.append("%s <%% (title || ' ' || body)")
                params.append(term)
            else:
                clauses.append("document @@ to_tsquery('simple', %s)")
                params.append(term)
        where = (" OR " if any_term else " AND ").join(clauses)
        sql = f"SELECT report_id FROM search_entry WHERE ({where})"
        return Q(pk__in=_above(sql, params, "report_id", above))
    sql = "SELECT rowid FROM search_fts WHERE search_fts MATCH %s"
    params = [_fts(terms, any_term=any_term, public_only=True)]
    return Q(pk__in=_above(sql, params, "rowid", above))


def _original_match(terms: tuple[str, ...], *, above: int | None = None) -> Q:
    """Reports whose text as written holds every stem."""
    if connection.vendor == "postgresql":
        # The original's stems include the public ones, so "either" is "the original where
        # there is one": a plain OR, which each GIN index and a row-by-row probe can answer.
        sql = (
            "SELECT report_id FROM search_entry WHERE (original_document @@ to_tsquery('simple', %s)"
            " OR document @@ to_tsquery('simple', %s))"
        )
        return Q(pk__in=_above(sql, [_tsquery(terms)] * 2, "report_id", above))
    sql = "SELECT rowid FROM search_fts WHERE search_fts MATCH %s"
    return Q(pk__in=_above(sql, [_fts(terms)], "rowid", above))


def _rank(terms: tuple[str, ...]):
    """How well the public text answers: more of the stems, and in the title, rank higher
    (``ts_rank_cd`` weights A/B, FTS5 ``bm25`` column weights); 0 without a public match."""
    if not terms:
        return Value(0.0, output_field=FloatField())
    report_id = _report_id_column()
    if connection.vendor == "postgresql":
        sql = (
            "COALESCE((SELECT ts_rank_cd(document, to_tsquery('simple', %s))"
            f" FROM search_entry WHERE report_id = {report_id}), 0)"
        )
        params = [_tsquery(terms, any_term=True)]
    else:
        sql = (
            f"COALESCE((SELECT -{_BM25} FROM search_fts WHERE search_fts MATCH %s"
            f" AND rowid = {report_id}), 0)"
        )
        params = [_fts(terms, any_term=True, public_only=True)]
    return RawSQL(sql, params, output_field=FloatField())


def _reads_original_q(user: AnyUser) -> Q | None:
    """The reports whose original text ``user`` reads (``reports.selectors
    .reads_original_text`` as a filter): their own and those they handle."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if sees_all_reports(user):
        return Q()
    handled = handled_reports_q(user=user)
    return Q(reporter=user) | handled if handled is not None else Q(reporter=user)


def _original_covers_public(query: Query, typos: frozenset[str]) -> bool:
    """Whether every report the public text matches is matched by the original too (the
    original's index holds the public stems): the same words, none forgiven as a typo."""
    return query.public_terms == query.terms and not typos


def search_q(
    *,
    user: AnyUser,
    query: Query,
    above: int | None = None,
    typos: frozenset[str] | None = None,
) -> Q | None:
    """The filter of the reports that answer ``query`` for ``user`` (visibility apart);
    ``None`` when nothing can. ``above``: only reports with a greater id."""
    branches: list[Q] = []
    reads_original = _reads_original_q(user)
    typos = typos_of(query.public_terms) if typos is None else typos
    if query.public_terms and not (reads_original == Q() and _original_covers_public(query, typos)):
        branches.append(_public_match(query.public_terms, typos=typos, above=above))
    if reads_original is not None and query.terms:
        branches.append(reads_original & _original_match(query.terms, above=above))
    if query.tracking_id:
        branches.append(Q(tracking_id=query.tracking_id))
    if not branches:
        return None
    match = branches[0]
    for branch in branches[1:]:
        match |= branch
    return match


def search_reports(
    *,
    user: AnyUser,
    q: str | Query,
    within: QuerySet[Report] | None = None,
    order: Order = "rank",
) -> QuerySet[Report]:
    """The reports ``user`` may see that answer ``q``, annotated with ``search_rank``.

    ``within``: the caller's list with its filters (the feed's ``report_list``, a staff
    inbox), so every filter is written once, there; the visibility rule is applied here
    again whatever it is. ``order``: by rank (then newest), newest first, or ``None`` to
    keep ``within``'s order (the staff lists' deadline order). By rank, only the newest
    ``ADUAN_SEARCH_RANK_WINDOW`` matches and one are listed: callers count them with
    ``count_cap(order)`` as the cap, so that "more than …" says so; the other orders
    list every match."""
    query = q if isinstance(q, Query) else parse_query(q)
    qs = within if within is not None else Report.objects.all()
    typos = typos_of(query.public_terms)
    match = search_q(user=user, query=query, typos=typos)
    if match is None:
        return qs.none()
    qs = qs.filter(report_visibility_q(user=user))
    if order == "rank":
        window = _newest_matches(qs, match=match, user=user, query=query, typos=typos)
        qs = qs.filter(pk__in=window).annotate(search_rank=_rank(query.public_terms))
        return qs.order_by("-search_rank", "-created_at", "-id")
    qs = qs.filter(match).annotate(search_rank=_rank(query.public_terms))
    if order == "newest":
        return qs.order_by("-created_at", "-id")
    return qs


def count_cap(order: Order) -> int | None:
    """The count cap of a search's list in ``order`` (``None``: the lists' usual one)."""
    return settings.ADUAN_SEARCH_RANK_WINDOW if order == "rank" else None


WINDOW_SPAN = 50  # the first look reads this many latest ids per report ranked
WINDOW_GROWTH = 2


def _newest_matches(
    qs: QuerySet[Report], *, match: Q, user: AnyUser, query: Query, typos: frozenset[str]
) -> list[int]:
    """The ids of the newest ``ADUAN_SEARCH_RANK_WINDOW`` (and one) reports of ``qs`` that
    answer ``query``: only a bounded set can be ranked fast, and a common word matches a tenth
    of all reports. Ids grow with submission, so the latest ids are read first, widening
    until enough are found or every report was read."""
    limit = settings.ADUAN_SEARCH_RANK_WINDOW
    # Nothing in the index at all (a rare word, a typo): one probe, not every look.
    if not Report.objects.filter(match).order_by().exists():
        return []
    top = Report.objects.aggregate(top=Max("pk"))["top"] or 0
    span = limit * WINDOW_SPAN
    while True:
        above = top - span if span < top else None
        found = qs.filter(
            match if above is None else search_q(user=user, query=query, above=above, typos=typos)
        )
        if above is not None:
            found = found.filter(pk__gt=above)
        # One more than the window: a list longer than it says "more than …" (count cap).
        ids = list(found.order_by("-created_at", "-id").values_list("pk", flat=True)[: limit + 1])
        if len(ids) > limit or above is None:
            return ids
        # Too few: the next look spans as many ids as the matches found so far say the
        # window needs, and a margin (at least WINDOW_GROWTH times more); none among the
        # latest ids: the few there are lie anywhere, one look at all.
        span = max(span * (limit + 1) * 5 // (len(ids) * 4), span * WINDOW_GROWTH) if ids else top


SIMILAR_CANDIDATES = 50  # the best this many by rank are checked for shared words


def similar_open_reports(
    title: str,
    body: str,
    region_code: str | None = None,
    agency_id: int | None = None,
    limit: int = 5,
    user: AnyUser = None,
    near: Sequence[int] = (),
) -> list[Report]:
    """Up to ``limit`` open public reports (verified, not closed), never ``user``'s own,
    that share two words with a draft (one if it has only one), in ``region_code`` (or
    inside it) or under ``agency_id`` when either is given, best match first; each with
    ``search_snippet`` and ``supported_by_me``. What a citizen may support instead of
    filing a duplicate: the same problem in the same place. ``near``: the ids of the
    draft's near-duplicates (``triage.duplicates``), best first, listed before the
    others where the same rule lets ``user`` see them."""
    stems = significant_stems(f"{title} {body}")
    if not stems:
        return []
    qs = Report.objects.filter(public_reports_q(), status__in=SIMILAR_STATUSES)
    qs = qs.filter(report_visibility_q(user=user))
    if user is not None and user.is_authenticated:
        qs = qs.exclude(reporter=user)
    place = Q()
    if region_code and region_code.strip():
        place |= region_q(region_code.strip())
    agency = Agency.objects.filter(pk=as_pk(agency_id)).first() if agency_id else None
    if agency is not None:
        place |= Q(agency_id__in=list(agency_subtree_ids(agency)))
    qs = qs.filter(place)
    reports = _near_first(qs, near[:limit], user=user)
    if len(reports) >= limit:
        return search_highlight(
            user=user, q=Query(terms=stems, public_terms=stems), reports=reports
        )
    found = (
        qs.exclude(pk__in=[r.pk for r in reports])
        .filter(_public_match(stems, typos=typos_of(stems), any_term=True))
        .annotate(search_rank=_rank(stems))
        .select_related("agency", "category", "region", "reporter")
        .order_by("-search_rank", "-support_count", "-created_at", "-id")
    )
    wanted, needed = frozenset(stems), min(2, len(stems))
    for report in with_support_state(found, user=user)[:SIMILAR_CANDIDATES]:
        title_read, body_read = report_text_for(user=user, report=report)
        shared = {stem for _s, _e, stem in word_spans(f"{title_read} {body_read}")} & wanted
        if len(shared) >= needed:
            reports.append(report)
        if len(reports) == limit:
            break
    return search_highlight(user=user, q=Query(terms=stems, public_terms=stems), reports=reports)


def _near_first(qs: QuerySet[Report], near: Sequence[int], *, user: AnyUser) -> list[Report]:
    """The reports of ``near`` that ``qs`` holds, in ``near``'s order (one query)."""
    if not near:
        return []
    found = with_support_state(
        qs.filter(pk__in=list(near)).select_related("agency", "category", "region", "reporter"),
        user=user,
    )
    by_id = {report.pk: report for report in found}
    return [by_id[pk] for pk in near if pk in by_id]


def _highlight(text: str, stems: frozenset[str], *, window: int | None = None) -> SafeString:
    """``text`` escaped, the words whose stem is one of ``stems`` in ``<mark>``; cut to
    about ``window`` characters around the first of them when ``window`` is given."""
    hits = sorted({(start, end) for start, end, stem in word_spans(text) if stem in stems})
    start, end = 0, len(text)
    if window is not None and len(text) > window:
        first = hits[0][0] if hits else 0
        start = max(0, min(first - window // 3, len(text) - window))
        end = start + window
        # Whole words at both ends.
        while start > 0 and text[start - 1].isalnum():
            start -= 1
        while end < len(text) and text[end].isalnum():
            end += 1
    parts, position = [], start
    for hit_start, hit_end in hits:
        if hit_start < start or hit_end > end:
            continue
        parts += [html.escape(text[position:hit_start]), "<mark>"]
        parts += [html.escape(text[hit_start:hit_end]), "</mark>"]
        position = hit_end
    parts.append(html.escape(text[position:end]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + "".join(parts).strip() + suffix)  # noqa: S308 - escaped above


def search_highlight(*, user: AnyUser, q: str | Query, reports: Iterable[Report]) -> list[Report]:
    """Set ``search_title`` and ``search_snippet`` (HTML, the matching words marked) on
    each of ``reports`` (a page of results), from the text ``user`` may read of it
    (``report_text_for``): the public version of a redacted report for the public."""
    query = q if isinstance(q, Query) else parse_query(q)
    stems = frozenset(query.terms)
    reports = list(reports)
    for report in reports:
        title, body = report_text_for(user=user, report=report)
        report.search_title = _highlight(title, stems)
        report.search_snippet = _highlight(body, stems, window=SNIPPET_CHARS)
    return reports
