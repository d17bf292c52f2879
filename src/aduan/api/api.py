"""The JSON API at /api/v1 (django-ninja). Routers live beside the domain they serve."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="Aduan API",
    version="1",
    urls_namespace="api",
    description="Public complaints, aspirations and information requests to government.",
)
