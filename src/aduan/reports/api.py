"""Reports in the JSON API: the download of an attachment, for whoever may see its report.

Submitting, reading and adding files are ``aduan.workflow.api``'s (they show deadlines
and the actions the caller may take); the URL name of this endpoint is the link those
answers give for each attachment.
"""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponseRedirect
from ninja import Router

from aduan.accounts.auth import optional_agency_bearer, request_user

from .attachments import ALLOWED_TYPES, attachment_signed_url
from .selectors import attachment_get_for_user

router = Router(tags=["reports"])

ATTACHMENT_URL_NAME = "report_attachment"


@router.get(
    "/reports/{tracking_id}/attachments/{attachment_id}",
    auth=optional_agency_bearer,
    summary="Download an attachment",
    url_name=ATTACHMENT_URL_NAME,
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as a download, in the type it was recognised as",
                "content": {
                    content_type: {"schema": {"type": "string", "format": "binary"}}
                    for content_type in ALLOWED_TYPES
                },
            },
            302: {
                "description": "With object storage: a redirect to a short-lived signed URL "
                "of the file (ADUAN_S3_URL_EXPIRE seconds), which downloads it"
            },
        }
    },
)
def attachment_download(request: HttpRequest, tracking_id: str, attachment_id: int):
    """The file, only to callers who may see the report (404 otherwise, as for a missing
    one); always a download, never rendered by the browser. With object storage, a
    redirect to a signed URL of it (the web process does not carry the bytes)."""
    attachment = attachment_get_for_user(
        user=request_user(request), tracking_id=tracking_id, attachment_id=attachment_id
    )
    if signed_url := attachment_signed_url(attachment):
        response = HttpResponseRedirect(signed_url)
        response["Cache-Control"] = "private, no-store"
        return response
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
