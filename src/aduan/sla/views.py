"""The national admin's screen for extra days off (mounted at ``staf/hari-libur/``).

Anonymous visitors are sent to sign in; any other signed-in account gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aduan.accounts.capabilities import may_manage_holidays
from aduan.core.errors import ValidationFailed
from aduan.core.forms import form_add_service_errors

from .forms import DayOffForm
from .models import DayOff
from .selectors import day_off_list, national_holidays_upcoming
from .services import day_off_add, day_off_remove, today_national


def national_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not may_manage_holidays(request.user):
            raise DjangoPermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _holiday_language() -> str:
    return "en_US" if (get_language() or "").startswith("en") else "id"


@national_admin_required
@require_http_methods(["GET", "POST"])
def day_offs(request: HttpRequest) -> HttpResponse:
    form = DayOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            day_off = day_off_add(
                actor=request.user,
                date=form.cleaned_data["date"],
                name=form.cleaned_data["name"],
            )
        except ValidationFailed as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(date)s is now a day off. Deadlines already set keep their dates.")
                % {"date": day_off.date.isoformat()},
            )
            return redirect("sla:day_offs")
    today = today_national()
    return render(
        request,
        "sla/day_offs.html",
        {
            "form": form,
            "today": today,
            "day_offs": day_off_list(),
            "holidays": national_holidays_upcoming(start=today, language=_holiday_language()),
        },
        status=422 if form.errors else 200,
    )


@national_admin_required
@require_http_methods(["GET", "POST"])
def day_off_delete(request: HttpRequest, pk: int) -> HttpResponse:
    day_off = get_object_or_404(DayOff, pk=pk)
    if request.method == "POST":
        day_off_remove(actor=request.user, day_off=day_off)
        messages.success(
            request,
            _("%(date)s is a working day again. Deadlines already set keep their dates.")
            % {"date": day_off.date.isoformat()},
        )
        return redirect("sla:day_offs")
    return render(request, "sla/day_off_delete.html", {"day_off": day_off})
