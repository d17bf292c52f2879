"""Agencies in the JSON API: search the directory to address a report or filter the feed."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema

from aduan.core.errors import NotFound
from aduan.core.problem import problems

from .models import NON_RECEIVING_KINDS, Agency, AgencyKind
from .selectors import agency_search

router = Router(tags=["directory"])

MAX_LIMIT = 100


class AgencyOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    kind_label: str
    parent_id: int | None
    region_code: str | None
    receives_reports: bool


@router.get(
    "/agencies",
    response=list[AgencyOut],
    openapi_extra=problems(404, r404="parent_id is not an agency"),
    summary="Search agencies",
    url_name="agency_list",
)
def agency_list(
    request: HttpRequest,
    q: str | None = Query(None, max_length=100, description="Part of the name, short name or code"),
    kind: AgencyKind | None = None,
    parent_id: int | None = Query(None, description="Only the direct units of this agency"),
    receiving_only: bool = Query(
        False, description="Leave out the national admin and oversight bodies"
    ),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
):
    """Active agencies, the best match for ``q`` first (else by name); 404 when
    ``parent_id`` is not an agency."""
    if parent_id is not None and not Agency.objects.filter(pk=parent_id).exists():
        raise NotFound
    agencies = agency_search(
        q=q, kind=kind, parent_id=parent_id, receiving_only=receiving_only, limit=limit
    )
    return [
        {
            "id": agency.pk,
            "code": agency.code,
            "name": agency.name,
            "short_name": agency.short_name,
            "kind": agency.kind,
            "kind_label": agency.get_kind_display(),
            "parent_id": agency.parent_id,
            "region_code": agency.region_id,
            "receives_reports": agency.kind not in NON_RECEIVING_KINDS,
        }
        for agency in agencies
    ]
