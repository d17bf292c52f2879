"""Aduan's URLs plus the floor's: what a request costs before any of Aduan's own work
(``bench/floor.py``). Served only by the bench, never by a deployment."""

from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import path
from ninja import NinjaAPI

from aduan.accounts.auth import bearer
from aduan.config.urls import urlpatterns as aduan_urlpatterns

api = NinjaAPI(urls_namespace="floor", docs_url=None, openapi_url=None)


@api.get("/ping", auth=bearer)
def ping(request):
    """A bearer-authenticated API call that does nothing: the API's floor."""
    return {"ok": True}


@api.post("/insert", auth=bearer)
def insert(request):
    """One report-shaped row written in a transaction: the floor of any submission."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_floor (title, body, created_at) VALUES (%s, %s, now()) RETURNING id",
            ["Jalan rusak di depan sekolah", "Jalan di depan sekolah rusak parah. " * 4],
        )
        row_id = cursor.fetchone()[0]
    return api.create_response(request, {"id": row_id}, status=201)


def plain(request):
    """A page through every middleware, with no template and no query."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("_floor/plain", plain),
    path("_floor/api/", api.urls),
    *aduan_urlpatterns,
]
