"""Open311 GeoReport v2 endpoints, each as ``.json`` or ``.xml``.

    GET  /open311/discovery.{fmt}                  (also under v2/)
    GET  /open311/v2/services.{fmt}
    GET  /open311/v2/services/{service_code}.{fmt}
    GET  /open311/v2/requests.{fmt}                public reports, filtered, at most 1000
    POST /open311/v2/requests.{fmt}                a new report; api_key required;
                                                   an Idempotency-Key header (extension)
    GET  /open311/v2/requests/{service_request_id}.{fmt}
    GET  /open311/v2/tokens/{token}.{fmt}

Reads are public data and answer any origin (CORS ``*``); they ignore the session, so a
signed-in visitor sees exactly what an anonymous one does. POST takes no cookie, only the
``api_key`` (no CSRF token applies, and no browser origin is allowed to post). Errors are
the specification's ``errors`` list with the HTTP status as each error's code.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from aduan.core.errors import DomainError, NotFound, ValidationFailed
from aduan.core.http import client_ip
from aduan.core.ratelimit import rate_spent, retry_after_value
from aduan.workflow.idempotency import HEADER as IDEMPOTENCY_HEADER
from aduan.workflow.idempotency import (
    SubmissionKeyTaken,
    submission_digest,
    submission_key_clean,
    submission_key_replay,
)

from . import render, selectors, services

logger = logging.getLogger(__name__)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str, retry_after: int | None = None):
        self.status = status
        self.descriptions = list(descriptions)
        self.retry_after = retry_after  # a 429's Retry-After
        super().__init__(*descriptions)


def jurisdiction() -> str:
    """The one jurisdiction this endpoint serves: ``ADUAN_OPEN311_JURISDICTION``, or the
    host name of ``ADUAN_SITE_URL``."""
    configured = settings.ADUAN_OPEN311_JURISDICTION.strip()
    if configured:
        return configured
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _check_jurisdiction(request: HttpRequest) -> None:
    # Optional here: the specification requires it only of endpoints serving several.
    source = request.POST if request.method == "POST" else request.GET
    given = (source.get("jurisdiction_id") or "").strip()
    if given and given.lower() != jurisdiction().lower():
        raise Open311Error(404, _("jurisdiction_id %(id)r not found.") % {"id": given[:100]})


def open311_endpoint(*methods: str) -> Callable:
    """Format from the extension, method and jurisdiction checks, errors in the format
    asked for, and CORS on reads."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, fmt: str, **kwargs) -> HttpResponse:
            fmt = fmt.lower()
            if fmt not in render.FORMATS:
                response = render.errors(
                    "xml", 404, [_("Unknown format %(fmt)r: use json or xml.") % {"fmt": fmt[:10]}]
                )
            else:
                try:
                    if request.method not in methods:
                        raise Open311Error(
                            405, _("Method %(m)s not allowed.") % {"m": request.method}
                        )
                    _check_jurisdiction(request)
                    response = view(request, *args, fmt=fmt, **kwargs)
                except Open311Error as exc:
                    response = render.errors(fmt, exc.status, exc.descriptions)
                    if exc.status == 429:
                        response["Retry-After"] = retry_after_value(exc.retry_after)
                except (RequestDataTooBig, TooManyFieldsSent):
                    # Django will not read such a request; say so in the format asked for.
                    response = render.errors(fmt, 400, [_("The request is too large.")])
                except NotFound:
                    response = render.errors(fmt, 404, [_("Not found.")])
                except ValidationFailed as exc:
                    descriptions = [
                        f"{field}: {message}"
                        for field, messages in exc.field_errors.items()
                        for message in messages
                    ] or [exc.message]
                    response = render.errors(fmt, 400, descriptions)
                except DomainError as exc:
                    response = render.errors(fmt, exc.status_code, [exc.message])
            if response.status_code == 405:
                response["Allow"] = ", ".join(methods)
            if request.method in ("GET", "HEAD"):
                response["Access-Control-Allow-Origin"] = "*"
            return response

        return csrf_exempt(wrapper)

    return decorate


def _discovery_changeset() -> str:
    # Category changes are not timestamped; telling clients to refresh their cached
    # service list once a day is honest, and the same answer on every worker.
    today = timezone.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today.isoformat().replace("+00:00", "Z")


@open311_endpoint("GET", "HEAD")
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    changeset = _discovery_changeset()
    endpoint_url = request.build_absolute_uri(reverse("open311:root"))
    return render.document(
        fmt,
        "discovery",
        {
            "changeset": changeset,
            "contact": _("The national admin of Aduan: %(url)s") % {"url": settings.SITE_URL},
            "key_service": _(
                "API keys for posting reports are issued to organisations by the national admin."
            ),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": endpoint_url.rstrip("/"),
                    "changeset": changeset,
                    "type": "production",
                    "formats": render.DISCOVERY_FORMATS,
                }
            ],
        },
    )


@open311_endpoint("GET", "HEAD")
def service_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    services_ = [render.service_dict(category) for category in selectors.service_list()]
    return render.document(fmt, "services", services_)


@open311_endpoint("GET", "HEAD")
def service_definition(request: HttpRequest, service_code: str, *, fmt: str) -> HttpResponse:
    try:
        category = selectors.service_get(service_code=service_code)
    except NotFound as exc:
        raise Open311Error(
            404, _("service_code %(code)r not found.") % {"code": service_code[:64]}
        ) from exc
    return render.document(fmt, "service_definition", render.service_definition_dict(category))


@open311_endpoint("GET", "HEAD", "POST")
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _request_create(request, fmt=fmt)
    filters = selectors.request_filters_from(request.GET)
    reports = selectors.request_list(filters=filters)
    return render.document(
        fmt,
        "service_requests",
        [render.request_dict(report, absolute=request.build_absolute_uri) for report in reports],
    )


def _key_bucket(group: str, request: HttpRequest) -> str:
    return str(request.open311_key.pk)  # type: ignore[attr-defined]


def _request_create(request: HttpRequest, *, fmt: str) -> HttpResponse:
    raw_key = request.POST.get("api_key", "")
    key = services.api_key_authenticate(raw_key)
    if key is None:
        # Not logged as an inbound message: without a key there is no sender to record,
        # and a flood of keyless posts must not fill the table.
        logger.warning(
            "open311 post refused: %s api_key from %s",
            "invalid" if raw_key else "no",
            client_ip(request),
        )
        raise Open311Error(
            403,
            _("api_key is invalid or revoked.") if raw_key else _("api_key is required."),
        )
    request.open311_key = key  # type: ignore[attr-defined]
    # The Idempotency-Key extension (README): a retry answers the report the first post made.
    try:
        idempotency_key = submission_key_clean(request.headers.get(IDEMPOTENCY_HEADER))
        digest = submission_digest("open311", _posted_fields(request))
        if idempotency_key is not None and (
            stored := submission_key_replay(user=key.account, key=idempotency_key, digest=digest)
        ):
            return _created(fmt, stored.open311_submission)
    except ValidationFailed as exc:
        raise Open311Error(422, exc.message) from exc
    wait = rate_spent(
        request, group="open311-post", key=_key_bucket, rate=settings.ADUAN_OPEN311_RATE
    )
    if wait:
        raise Open311Error(
            429, _("Too many requests with this api_key. Try again later."), retry_after=wait
        )
    try:
        submission = services.open311_request_create(
            api_key=key,
            data=request.POST,
            ip_address=client_ip(request),
            idempotency_key=idempotency_key,
            digest=digest,
        )
    except SubmissionKeyTaken:
        # A concurrent post with the same key won: answer its report (or the mismatch).
        try:
            stored = submission_key_replay(user=key.account, key=idempotency_key, digest=digest)
        except ValidationFailed as exc:
            raise Open311Error(422, exc.message) from exc
        if stored is None:
            raise
        submission = stored.open311_submission
    return _created(fmt, submission)


def _posted_fields(request: HttpRequest) -> dict[str, list[str]]:
    """The posted form, less the secret ``api_key``, for the Idempotency-Key's digest."""
    return {name: request.POST.getlist(name) for name in request.POST if name != "api_key"}


def _created(fmt: str, submission) -> HttpResponse:
    return render.document(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": submission.report.tracking_id,
                "token": submission.token,
                "service_notice": _(
                    "Received. The national admin verifies the report and sends it to the "
                    "agency responsible."
                ),
                "account_id": "",
            }
        ],
        status=201,
    )


@open311_endpoint("GET", "HEAD")
def request_detail(request: HttpRequest, service_request_id: str, *, fmt: str) -> HttpResponse:
    try:
        report = selectors.request_get(service_request_id=service_request_id)
    except NotFound as exc:
        raise Open311Error(
            404,
            _("service_request_id %(id)r not found.") % {"id": service_request_id[:32]},
        ) from exc
    return render.document(
        fmt,
        "service_requests",
        [render.request_dict(report, absolute=request.build_absolute_uri)],
    )


@open311_endpoint("GET", "HEAD")
def token_detail(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    try:
        submission = selectors.token_get(token=token)
    except NotFound as exc:
        raise Open311Error(404, _("token not found.")) from exc
    return render.document(
        fmt,
        "service_requests",
        [{"service_request_id": submission.report.tracking_id, "token": submission.token}],
    )
