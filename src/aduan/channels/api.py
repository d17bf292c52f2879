"""Linking an SMS number or X account from the mobile app: the same as the "SMS and X"
page (``views.py``), for a bearer token. See ``claim.py`` for the rules."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from aduan.accounts.auth import bearer
from aduan.core.problem import problems

from . import claim
from .x.client import x_config

router = Router(tags=["accounts"])


class LinkedOut(Schema):
    id: int
    channel: str = Field(description="sms or x")
    address: str = Field(description="E.164 number, or the X account id")
    handle: str = Field(description="@name on X; empty for SMS")
    linked_at: datetime


class ClaimCodeOut(Schema):
    code: str = Field(description="Shown once; works once, for expires_at - now")
    expires_at: datetime
    sms: str = Field(description="What to send, and where, from the phone")
    x_direct_message: str | None = Field(
        description="What to send to the X account by direct message; null when X is off"
    )


@router.get(
    "/akun/saluran",
    auth=bearer,
    response=list[LinkedOut],
    summary="The SMS numbers and X accounts linked to this account",
    url_name="linked_channels",
)
def linked_list(request: HttpRequest):
    return [
        {
            "id": identity.pk,
            "channel": identity.channel,
            "address": identity.address,
            "handle": identity.handle,
            "linked_at": identity.verified_at or identity.created_at,
        }
        for identity in claim.identity_list_for_user(user=request.auth)
    ]


@router.post(
    "/akun/saluran/kode",
    auth=bearer,
    response={201: ClaimCodeOut},
    openapi_extra=problems(429, r429="Past ADUAN_CLAIM_ISSUE_RATE"),
    summary="A code to link an SMS number or X account",
    url_name="claim_code",
)
def claim_code(request: HttpRequest, response: HttpResponse):
    """Send ``KLAIM <code>`` from the phone to the short code, or by direct message from
    the X account: the channel proves the number or account, the code this account. A
    new code replaces an unused earlier one. 403 for staff or accounts without e-mail,
    429 after ``ADUAN_CLAIM_ISSUE_RATE`` codes."""
    row, code = claim.claim_code_issue(user=request.auth)
    response["Cache-Control"] = "no-store"  # as the web page: the code is shown once
    shown = claim.code_display(code)
    x = x_config()
    return Status(
        201,
        {
            "code": shown,
            "expires_at": row.expires_at,
            "sms": f"KLAIM {shown} → {settings.ADUAN_SMS_SHORTCODE}",
            "x_direct_message": f"KLAIM {shown} → @{x.handle}" if x.receives else None,
        },
    )


@router.delete(
    "/akun/saluran/{identity_id}",
    auth=bearer,
    response={204: None},
    summary="Unlink an SMS number or X account",
    url_name="linked_channel_delete",
)
def linked_delete(request: HttpRequest, identity_id: int):
    """404 for one that is not this account's. The reports stay with this account."""
    claim.identity_unlink(user=request.auth, identity_id=identity_id)
    return Status(204, None)
