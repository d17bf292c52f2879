"""The public site: thin views over the reports selectors and ``report_submit``.

Who may see what is decided in ``reports.selectors`` only; a report or attachment the
visitor may not see is answered with the same 404 as one that does not exist.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Page
from django.db.models import QuerySet, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aduan.accounts.capabilities import may_support_reports
from aduan.core.errors import PermissionDenied, RateLimited, ValidationFailed
from aduan.core.http import client_ip
from aduan.core.pagination import CappedPaginator, page_count_cap
from aduan.core.ratelimit import check_submission_rate, retry_after_value
from aduan.core.text import storable
from aduan.core.tracking import normalise_tracking_id
from aduan.regions.selectors import region_children
from aduan.reports.attachments import attachment_signed_url
from aduan.reports.models import BODY_MAX, TITLE_MAX, Attachment, Report
from aduan.reports.selectors import (
    FeedFilters,
    ReporterVisibility,
    attachment_readable,
    attachments_unready_for_uploader,
    event_list_for_user,
    report_answered,
    report_followed_by,
    report_get_for_user,
    report_is_public,
    report_list,
    report_supported_by,
    report_text_for,
    reporter_visibility,
    response_latest,
    search_order,
)
from aduan.search.selectors import (
    count_cap,
    search_highlight,
    search_reports,
    similar_open_reports,
)
from aduan.sla.selectors import current_deadline
from aduan.triage.duplicates import duplicate_candidates
from aduan.workflow.idempotency import HEADER as IDEMPOTENCY_HEADER
from aduan.workflow.idempotency import (
    submission_digest,
    submission_key_clean,
    submission_key_replay,
    submit_once,
)
from aduan.workflow.lists import (
    REGION_NAMES,
    REPORTERS,
    THUMBNAILS,
    prefetch_for_report_list,
    report_list_load,
)
from aduan.workflow.permissions import actor_capacities
from aduan.workflow.services import (
    reopen_deadline_for,
    report_follow,
    report_submit,
    report_support,
    report_unfollow,
    report_unsupport,
)
from aduan.workflow.transitions import Actor

from .action_forms import ACTION_FORMS, REPORTER_ACTIONS
from .actions import action_run
from .deadlines import calendar_current, deadline_countdown
from .forms import (
    DRAFT_ACCOUNT_FIELD,
    DRAFT_OF_ANOTHER,
    IDEMPOTENCY_FIELD,
    KEY_REUSED,
    FeedFilterForm,
    ReportForm,
    agencies_matching,
    agency_or_none,
    new_submission_key,
    prepare_files,
    region_picker,
)
from .next_step import ACTION as NEXT_STEP
from .next_step import next_step_form, next_step_run
from .pending_uploads import (
    form_token,
    pending_uploads_discard,
    pending_uploads_keep,
    pending_uploads_kept,
    pending_uploads_take,
)
from .pwa import account_tag, offline_readable

HOME_FEED_SIZE = 5


def _page(request: HttpRequest, queryset, *, cap: int | None = None) -> Page:
    """One page of ``queryset``, counted up to ``cap`` (a ranked search's window) or to a
    little past the page (``page_count_cap``)."""
    number, size = request.GET.get("page"), settings.ADUAN_PAGE_SIZE
    cap = cap if cap is not None else page_count_cap(number, size)
    return CappedPaginator(queryset, size, cap=cap).get_page(number)


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico before reading any page's <link rel="icon">."""
    return redirect(static("web/favicon.ico"), permanent=True)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    latest = list(_cards(report_list(user=request.user))[:HOME_FEED_SIZE])
    report_list_load(latest, user=request.user, parts=PUBLIC_CARD)
    return render(request, "web/home.html", {"reports": latest})


# What a card shows beyond the report row and its agency and category
# (``web.cards.report_card``): a public card names a reporter who is not anonymous; a
# public report's card shows its first picture.
PUBLIC_CARD = frozenset({REGION_NAMES, REPORTERS, THUMBNAILS})
OWN_CARD = frozenset({REGION_NAMES, THUMBNAILS})


def _cards(reports: QuerySet[Report]) -> QuerySet[Report]:
    """``reports`` joined to what every card shows; ``report_list_load`` reads the rest."""
    return prefetch_for_report_list(reports, related=("agency", "category"))


def _searched_page(
    request: HttpRequest, filters: FeedFilterForm, reports, *, parts: frozenset[str]
) -> Page:
    """A page of ``reports`` (the filtered list) as cards, narrowed by the words searched
    for if any, best match first, each with its highlighted snippet."""
    reports = _cards(reports)
    words = filters.words()
    if not words:
        page = _page(request, reports)
        page.object_list = list(page.object_list)
    else:
        # Best match first, unless the reader chose another order than the newest.
        order = search_order(filters.values()["sort"])
        found = search_reports(user=request.user, q=words, within=reports, order=order)
        page = _page(request, found, cap=count_cap(order))
        page.ranked = order == "rank"
        page.object_list = search_highlight(user=request.user, q=words, reports=page.object_list)
    report_list_load(page.object_list, user=request.user, parts=parts)
    return page


@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    filters = FeedFilterForm(request.GET)
    reports = report_list(user=request.user, filters=FeedFilters(**filters.values()))
    return render(
        request,
        "web/feed.html",
        {
            "filters": filters,
            "page": _searched_page(request, filters, reports, parts=PUBLIC_CARD),
            "query": _query_without_page(request),
        },
    )


@login_required
@offline_readable
@require_GET
def my_reports(request: HttpRequest) -> HttpResponse:
    filters = FeedFilterForm(request.GET, public=False)
    reports = report_list(user=request.user, filters=FeedFilters(mine=True, **filters.values()))
    return render(
        request,
        "web/my_reports.html",
        {
            "filters": filters,
            "page": _searched_page(request, filters, reports, parts=OWN_CARD),
            "query": _query_without_page(request),
        },
    )


@login_required
@offline_readable
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _report_form(request, ReportForm(), token=form_token(None), kept=[])
    account = account_tag(request)
    if request.POST.get(DRAFT_ACCOUNT_FIELD, account) != account:
        # A report kept offline by another account on this phone, sent by the service
        # worker for whoever is signed in now: it waits for its writer (offline.js).
        return HttpResponse(DRAFT_OF_ANOTHER, status=409, content_type="text/plain; charset=utf-8")
    # Files kept from an earlier attempt of this form, still ticked (ADR 0012).
    token = form_token(request.POST.get("upload_token"))
    kept = pending_uploads_kept(
        user=request.user, token=token, keep_ids=request.POST.getlist("keep_upload")
    )
    if "refresh" in request.POST:
        # Without JavaScript, the region and agency pickers come back here to load the
        # next level's options: show the form again as typed, without judging it yet.
        form = ReportForm(initial=request.POST.dict(), kept_count=len(kept))
        return _report_form(request, form, token=token, kept=kept, refreshed=True)
    if "similar" in request.POST:
        # Without JavaScript, "check for similar reports": the form again as typed, with
        # the list, and the files chosen kept for the real submission.
        new, _problems = prepare_files(request.FILES.getlist("files"))
        kept += pending_uploads_keep(user=request.user, token=token, prepared=new)
        form = ReportForm(initial=request.POST.dict(), kept_count=len(kept))
        similar = _similar_to(request, request.POST)
        return _report_form(request, form, token=token, kept=kept, similar=similar)

    form = ReportForm(request.POST, request.FILES, kept_count=len(kept))
    status, retry_after = 422, None
    key_for_next = request.POST.get(IDEMPOTENCY_FIELD, "")[:255] or new_submission_key()
    valid = form.is_valid()
    new, problems = prepare_files(form.cleaned_data.get("files") or [])
    if valid and not problems:
        # A retry of a form whose answer was lost (or an offline draft sent twice) carries
        # the same key: it is answered with the report the first post made (issue 14).
        try:
            key = submission_key_clean(request.POST.get(IDEMPOTENCY_FIELD) or None)
            digest = submission_digest("web", form.submission_kwargs())
            if key is not None and (
                stored := submission_key_replay(user=request.user, key=key, digest=digest)
            ):
                pending_uploads_discard(kept)
                return redirect("web:report_sent", tracking_id=stored.tracking_id)
            check_submission_rate(request)
            report = submit_once(
                user=request.user,
                key=key,
                digest=digest,
                create=lambda: report_submit(
                    reporter=request.user,
                    channel="web",
                    files=[*pending_uploads_take(kept), *new],
                    ip_address=client_ip(request),
                    **form.submission_kwargs(),
                ),
            )
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status, retry_after = 429, exc.retry_after
        except ValidationFailed as exc:
            if exc.field_errors and IDEMPOTENCY_HEADER in exc.field_errors:
                # The key of a form already sent with other words: a fresh key makes the
                # next press a new report, which is what the citizen then means.
                form.add_error(None, KEY_REUSED)
                key_for_next = new_submission_key()
            else:
                form.add_service_errors(exc.field_errors or {"files": [exc.message]})
                form.add_rule_errors()  # when the files failed first, the text is not yet checked
        else:
            pending_uploads_discard(kept)
            return redirect("web:report_sent", tracking_id=report.tracking_id)
    else:
        if problems:
            form.add_service_errors({"files": problems})
        form.add_rule_errors()
    # Whatever passed the checks is kept for the next attempt; only the rest is lost.
    kept += pending_uploads_keep(user=request.user, token=token, prepared=new)
    form.files_were_sent = len(new) < len(request.FILES.getlist("files"))
    response = _report_form(
        request, form, token=token, kept=kept, status=status, idempotency_key=key_for_next
    )
    if status == 429:
        response["Retry-After"] = retry_after_value(retry_after)
    return response


def _report_form(
    request: HttpRequest,
    form: ReportForm,
    *,
    token: str,
    kept: list,
    status: int = 200,
    **extra,
) -> HttpResponse:
    """The report form with the files kept for it (ADR 0012) and the limits site.js checks."""
    context = {
        "form": form,
        "idempotency_key": request.POST.get(IDEMPOTENCY_FIELD, "")[:255] or new_submission_key(),
        "upload_token": token,
        "kept_uploads": kept,
        "max_mb": settings.ADUAN_ATTACHMENT_MAX_BYTES // (1024 * 1024),
        **extra,
    }
    return render(request, "web/report_form.html", context, status=status)


def _report_for(request: HttpRequest, tracking_id: str) -> Report:
    """The report as the visitor may see it; ``NotFound`` is the 404 page (``core.middleware``)."""
    return report_get_for_user(user=request.user, tracking_id=tracking_id)


@login_required
@require_GET
def report_sent(request: HttpRequest, tracking_id: str) -> HttpResponse:
    report = _report_for(request, tracking_id)
    if report.reporter_id != request.user.pk:
        raise Http404
    track_url = request.build_absolute_uri(reverse("web:track_detail", args=[report.tracking_id]))
    return render(request, "web/report_sent.html", {"report": report, "track_url": track_url})


@require_GET
def track(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("id", "").strip()
    error = ""
    if raw:
        tracking_id = normalise_tracking_id(raw)
        if tracking_id:
            return redirect("web:track_detail", tracking_id=tracking_id)
        error = _("A tracking number has 10 letters and digits, e.g. 7K3MX9PQ2R.")
    return render(
        request, "web/track.html", {"value": raw, "error": error}, status=400 if error else 200
    )


@offline_readable
@require_http_methods(["GET", "POST"])
def track_detail(request: HttpRequest, tracking_id: str) -> HttpResponse:
    """The report as the visitor may see it; its reporter also answers, accepts, rates,
    comments and reopens here (the services decide what the status allows)."""
    report = _report_for(request, tracking_id)
    outcome = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if Actor.REPORTER not in actor_capacities(user=request.user, report=report):
            raise DjangoPermissionDenied
        if request.POST.get("action") == NEXT_STEP:
            outcome = next_step_run(request, report=report)
        else:  # one action per form, as the page sent them before the next-step form
            outcome = action_run(request, report=report, allowed=REPORTER_ACTIONS, staff=False)
        if outcome.done:
            return redirect("web:track_detail", tracking_id=report.tracking_id)
    visibility = reporter_visibility(user=request.user, report=report)
    events = event_list_for_user(user=request.user, report=report)
    own_files, event_files = [], {}
    for attachment in report.attachments.all():
        if attachment.event_id:
            event_files.setdefault(attachment.event_id, []).append(attachment)
        else:
            own_files.append(attachment)
    for event in events:
        event.files = event_files.get(event.pk, [])
    prefetch_related_objects([report], "deadlines")
    deadline = current_deadline(report)
    answer = response_latest(events)
    report_title, report_body = report_text_for(user=request.user, report=report)
    return render(
        request,
        "web/track_detail.html",
        {
            "report": report,
            "report_title": report_title,
            "report_body": report_body,
            "events": events,
            "answer": answer,
            "answered": report_answered(report),
            "attachments": own_files,
            "unready_files": attachments_unready_for_uploader(user=request.user, report=report),
            "show_reporter_name": visibility >= ReporterVisibility.NAME,
            "show_reporter_contact": visibility == ReporterVisibility.FULL,
            "current_deadline": deadline,
            "current": (
                deadline_countdown(deadline, calendar=calendar_current()) if deadline else None
            ),
            **_reporter_actions(request, report, outcome),
            **_support_context(request, report),
        },
        status=outcome.status if outcome else 200,
    )


def _reporter_actions(request: HttpRequest, report: Report, outcome) -> dict:
    """The reporter's next-step form (``web.next_step``): its choices hold every rule
    (rated once, reopened once within the window). A refused single-action POST (the
    page's former forms) comes back as that form, with its error."""
    user = request.user
    bound = outcome.form if outcome else None
    single = [bound] if bound is not None and bound.__class__ in ACTION_FORMS.values() else []
    step = next_step_form(report=report, user=user, bound=None if single else bound)
    if step is None and not single:
        return {"forms": [], "next_step": None, "outcome": outcome}
    reopen_until = reopen_deadline_for(report)  # shown on the page, not a rule here
    return {"forms": single, "next_step": step, "outcome": outcome, "reopen_until": reopen_until}


def _attachment_for(request: HttpRequest, attachment_id: int, *fields: str) -> Attachment:
    """A ready file the visitor may open: of a report they may see (``_report_for``), and
    not a file of a note between desks unless they handle the report; 404 otherwise."""
    attachment = (
        Attachment.objects.select_related("report")
        .filter(pk=attachment_id)
        .only("id", "event_id", "report__tracking_id", *fields)
    ).first()
    if attachment is None:
        raise Http404
    report = _report_for(request, attachment.report.tracking_id)
    if not attachment_readable(user=request.user, report=report, attachment=attachment):
        raise Http404
    return attachment


@require_GET
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = _attachment_for(request, attachment_id, "file", "original_name", "content_type")
    if signed_url := attachment_signed_url(attachment):
        response = HttpResponseRedirect(signed_url)
        response["Cache-Control"] = "private, no-store"
        return response
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def attachment_thumbnail(request: HttpRequest, attachment_id: int) -> FileResponse:
    """A picture's thumbnail (``Attachment.thumbnail``), to whoever may open the file
    itself; shown in the page, so kept a while by the browser (not by shared caches)."""
    attachment = _attachment_for(request, attachment_id, "thumbnail")
    if not attachment.thumbnail:
        raise Http404
    try:
        handle = attachment.thumbnail.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type="image/webp")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _similar_to(request: HttpRequest, data) -> list[Report]:
    """Open public reports like the text in ``data`` (the report form's fields): its
    near-duplicates first (``triage.duplicates``), then those sharing its words."""
    picker = region_picker(data)
    agency = agency_or_none(data.get("agency_id"))
    title = storable(data.get("title", ""))[:TITLE_MAX]
    body = storable(data.get("body", ""))[:BODY_MAX]
    region_code, agency_id = picker.code or None, agency.pk if agency else None
    near = duplicate_candidates(
        title=title, body=body, region_code=region_code, agency_id=agency_id
    )
    return list(
        similar_open_reports(
            title,
            body,
            region_code=region_code,
            agency_id=agency_id,
            user=request.user,
            near=[candidate.report_id for candidate in near],
        )
    )


@login_required
@require_GET
def report_similar(request: HttpRequest) -> HttpResponse:
    """The similar reports for the report form as it is typed: the htmx side of "check for
    similar reports"."""
    return render(
        request,
        "web/partials/similar_reports.html",
        {"similar": _similar_to(request, request.GET), "checked": True},
    )


def _support_context(request: HttpRequest, report: Report, *, error: str = "") -> dict:
    """What the support box shows ``request.user``: the count, and what they may do."""
    user = request.user
    own = user.is_authenticated and report.reporter_id == user.pk
    may_support = report_is_public(report) and not own and may_support_reports(user)
    # Staff never follow; the reporter is told of everything anyway: no query for them.
    following = (
        may_support_reports(user) and not own and report_followed_by(user=user, report=report)
    )
    return {
        "report": report,
        "support_shown": report_is_public(report),
        "support_own": own,
        "may_support": may_support,
        "supported": may_support and report_supported_by(user=user, report=report),
        "following": following,
        "may_follow": may_support or following,
        "support_error": error,
    }


def _support_answer(request: HttpRequest, report: Report, *, done: str, error: str):
    """The support box again for htmx; otherwise back to the report's page, told why."""
    if request.htmx:
        context = _support_context(request, report, error=error)
        return render(request, "web/partials/support_box.html", context)
    if error:
        messages.error(request, error)
    elif done:
        messages.success(request, done)
    return redirect("web:track_detail", tracking_id=report.tracking_id)


def _toggle(
    request: HttpRequest, tracking_id: str, *, field: str, on, off, said: tuple[str, str]
) -> HttpResponse:
    """Set (``field=1``) or unset (``field=0``) a citizen's tie to a report with ``on`` or
    ``off`` (support, follow) and answer with the support box; ``said``: the two messages."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("web:track_detail", args=[tracking_id]))
    report = _report_for(request, tracking_id)
    setting = request.POST.get(field, "1") != "0"
    error = done = ""
    try:
        (on if setting else off)(report=report, actor=request.user)
        report = _report_for(request, tracking_id)  # the box shows the new state
        done = said[0] if setting else said[1]
    except PermissionDenied as exc:
        error = exc.message
    return _support_answer(request, report, done=done, error=error)


@require_POST
def report_support_set(request: HttpRequest, tracking_id: str) -> HttpResponse:
    """Support the report (``support=1``) or take the support back (``support=0``)."""
    return _toggle(
        request,
        tracking_id,
        field="support",
        on=report_support,
        off=report_unsupport,
        said=(
            _("You support this report. You will be told of its updates."),
            _("You no longer support this report."),
        ),
    )


@require_POST
def report_follow_set(request: HttpRequest, tracking_id: str) -> HttpResponse:
    """Follow the report's updates (``follow=1``) or stop following them (``follow=0``)."""
    return _toggle(
        request,
        tracking_id,
        field="follow",
        on=report_follow,
        off=report_unfollow,
        said=(
            _("You will be told of this report's updates."),
            _("You will no longer be told of this report's updates."),
        ),
    )


@require_GET
def region_options(request: HttpRequest) -> HttpResponse:
    """``<option>``s of the regions under ``?parent=`` (or under the picker's own field),
    provinces when none: the htmx side of the region picker."""
    parent = (
        request.GET.get("parent") or request.GET.get("regency") or request.GET.get("province") or ""
    ).strip()
    regions = list(region_children(parent or None))  # an unknown parent: NotFound, 404
    label = _("All") if request.GET.get("empty") == "all" else _("— choose —")
    return render(
        request, "web/partials/region_options.html", {"regions": regions, "empty_label": label}
    )


@require_GET
def agency_suggestions(request: HttpRequest) -> HttpResponse:
    """The agency picker's choices for ``?agency_q=``: the htmx side of the picker."""
    # PostgreSQL refuses NUL even as a query parameter: storable, as every outside text.
    query = storable(request.GET.get("agency_q", ""), one_line=True).strip()[:100]
    field_name = "agency" if request.GET.get("field") == "agency" else "agency_id"
    selected = agency_or_none(request.GET.get(field_name))
    suggestions = agencies_matching(query)
    return render(
        request,
        "web/partials/agency_choices.html",
        {
            "field_name": field_name,
            "selected_agency": selected,
            "suggestions": [a for a in suggestions if not selected or a.pk != selected.pk],
            "query": query,
            "searched": bool(query),
            # The staff forms' picker: an empty choice is "none yet", not "let the admin choose".
            "empty_label": _("No agency chosen") if request.GET.get("staff") == "1" else "",
        },
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a form sent without a valid token (a page left open past its
    session, cookies blocked) in the site's layout and language; Django's own page styles
    itself inline, which the Content-Security-Policy refuses."""
    return render(request, "403_csrf.html", status=403)
