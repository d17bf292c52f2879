from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


def _not_yet(request: HttpRequest, **kwargs) -> HttpResponse:
    return HttpResponseNotFound()


feed = report_new = report_sent = track = track_detail = my_reports = _not_yet
attachment_download = region_options = agency_suggestions = _not_yet
