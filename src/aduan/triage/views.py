"""The deployment's own routing accuracy (``/staf/triase/``), for the national desk and
oversight: how often the desk chose the first of the agencies suggested, or one of the
three, per month and per agency, and the models in use."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from aduan.accounts.capabilities import sees_all_reports

from .selectors import accuracy_by_agency, accuracy_by_month, router_models

MONTHS = 12
AGENCY_DAYS = 90


@login_required
@require_GET
def accuracy(request: HttpRequest) -> HttpResponse:
    if not sees_all_reports(request.user):
        raise DjangoPermissionDenied
    now = timezone.now()
    start_of_month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    since_months = (start_of_month - dt.timedelta(days=31 * (MONTHS - 1))).replace(day=1)
    return render(
        request,
        "triage/accuracy.html",
        {
            "months": accuracy_by_month(since=since_months),
            "agencies": accuracy_by_agency(since=now - dt.timedelta(days=AGENCY_DAYS)),
            "agency_days": AGENCY_DAYS,
            "models": router_models(),
        },
    )
