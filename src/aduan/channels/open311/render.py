"""GeoReport v2 documents: what each resource holds, written as JSON or as XML.

The XML is built with ``xml.etree`` (text is escaped by it, never pasted into markup) and
starts with the declaration the specification requires. Lists become repeated elements
under a plural parent: ``<services><service>``, ``<service_requests><request>``,
``<errors><error>``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from aduan.categories.models import Category
from aduan.reports.models import Report
from aduan.reports.pii import pii_mask
from aduan.reports.selectors import report_public_text

from .selectors import open311_status

FORMATS = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
DISCOVERY_FORMATS = ["text/xml", "application/json"]

# The element of each item of a list held by a parent of this name.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
}

# Characters XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def w3c(value: dt.datetime | None) -> str | None:
    """A W3C date-time with its offset, in the platform's zone (``+07:00``)."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def service_dict(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.name,
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": category.parent.name if category.parent_id else "",
    }


def service_definition_dict(category: Category) -> dict[str, Any]:
    # Our categories ask nothing beyond the standard fields: no attributes.
    return {"service_code": category.code, "attributes": []}


def request_dict(report: Report, *, absolute: Callable[[str], str]) -> dict[str, Any]:
    """A report as a GeoReport service request. ``report`` comes from the Open311
    selectors (public only, with ``status_notes``, ``image_id`` and the agency's and
    region's names annotated), with the public version of its text."""
    image_id = getattr(report, "image_id", None)
    return {
        "service_request_id": report.tracking_id,
        "status": open311_status(report),
        "status_notes": pii_mask(getattr(report, "status_notes", None) or ""),
        "service_name": report.category.name if report.category_id else "",
        "service_code": report.category.code if report.category_id else "",
        "description": report_public_text(report)[1],
        "agency_responsible": report.agency_name or "",
        "service_notice": "",
        "requested_datetime": w3c(report.created_at),
        "updated_datetime": w3c(report.updated_at),
        "expected_datetime": w3c(report.due_at),
        "address": report.region_name or "",
        "address_id": "",
        "zipcode": "",
        "lat": float(report.latitude) if report.latitude is not None else None,
        "long": float(report.longitude) if report.longitude is not None else None,
        "media_url": (
            absolute(reverse("web:attachment_download", args=[image_id])) if image_id else ""
        ),
    }


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item_tag = ITEM_TAGS[element.tag]
        for child in value:
            _fill(ET.SubElement(element, item_tag), child)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, value)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()


def document(fmt: str, root: str, value: Any, *, status: int = 200) -> HttpResponse:
    """``value`` as ``fmt``: JSON as it is, XML under ``root``."""
    if fmt == "xml":
        content = to_xml(root, value)
    else:
        content = json.dumps(value, ensure_ascii=False).encode()
    return HttpResponse(content, status=status, content_type=FORMATS[fmt])


def errors(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    """The specification's error list: one ``{code, description}`` per problem."""
    items = [{"code": status, "description": text} for text in descriptions]
    return document(fmt, "errors", items, status=status)
