"""Turning a signed webhook batch into reports, refusals and deletion notes (see the
package docstring for the decisions)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aduan.accounts.models import User
from aduan.channels import claim
from aduan.channels.adapter import Refusal, channel_reporter
from aduan.channels.models import IdentityKind, InboundMessage, InboundStatus
from aduan.channels.services import identity_user, inbound_finish, inbound_receive
from aduan.core.errors import DomainError, PayloadTooLarge, RateLimited, ValidationFailed
from aduan.notifications.models import Notification, NotificationKind, NotificationState
from aduan.reports.attachments import (
    DecodeBudget,
    PreparedFile,
    attachment_stored_names,
    attachments_discard,
    prepare_upload,
)
from aduan.reports.models import Classification, Report
from aduan.workflow.services import (
    report_attachment_add,
    report_submit,
    report_system_note,
    report_validate,
)

from . import client
from .payload import Deletion, Post, batch_read, title_from

logger = logging.getLogger(__name__)

REPLY_KEY_PREFIX = "x:reply:"
OUTCOMES = ("accepted", "rejected", "ignored", "repeated", "failed", "malformed")


def x_webhook_receive(*, payload: Any) -> dict[str, int]:
    """Act on every event of one signed batch; returns how many ended how."""
    config = client.x_config()
    batch = batch_read(payload, account_id=config.account_id, handle=config.handle)
    counts = dict.fromkeys(OUTCOMES, 0)
    counts["ignored"], counts["malformed"] = batch.ignored, batch.malformed
    for post in batch.posts:
        counts[x_post_receive(post=post)] += 1
    for deletion in batch.deletions:
        counts[x_deletion_receive(deletion=deletion)] += 1
    return counts


def x_post_receive(*, post: Post) -> str:
    """A mention or DM: a report with a reply, a refusal, or nothing for a repeat."""
    message, created = inbound_receive(
        channel=IdentityKind.X, external_id=post.external_id, sender=post.author_id, text=post.text
    )
    if not created:
        return "repeated"
    try:
        return _post_handle(post, message)
    except Exception:
        # X does not resend a batch we answered 200, and a resend would be a repeat here:
        # keep the message, marked, for the staff to see in the admin.
        logger.exception("x: %s could not be handled", post.external_id)
        inbound_finish(message, status=InboundStatus.FAILED, detail="internal error")
        return "failed"


def _post_handle(post: Post, message: InboundMessage) -> str:
    code = claim.code_read(post.text, free_text=True)
    if code is not None:
        return _claim(post, message, code)
    if post.kind == "dm" and _UNLINK.fullmatch(post.text):
        return _unlink(post, message)
    body = post.text
    title = title_from(body)
    try:
        report_validate(classification=Classification.COMPLAINT, title=title, body=body)
    except ValidationFailed as exc:
        if post.kind == "tweet" and post.in_reply_to_us:
            # "Thanks!" under one of our replies is conversation, not a report attempt.
            inbound_finish(message, status=InboundStatus.IGNORED, detail="short reply to us")
            return "ignored"
        return _refuse(post, message, problem=_first_problem(exc), detail="too short or long")
    with transaction.atomic():
        reporter, refusal = channel_reporter(
            channel=IdentityKind.X,
            address=post.author_id,
            handle=post.handle,
            display_name=post.handle,
            verified=True,
            count_submission=True,
        )
    if refusal is Refusal.INACTIVE:
        inbound_finish(message, status=InboundStatus.IGNORED, detail=refusal)
        return "ignored"
    if refusal is Refusal.STAFF:
        return _refuse(
            post,
            message,
            problem=_("This X account belongs to a staff account; use the website."),
            detail=refusal,
        )
    if refusal is Refusal.RATE_LIMITED:
        return _refuse(post, message, problem=RateLimited().message, detail=refusal)
    try:
        with transaction.atomic():
            # Again, now locked until the report is written: a claim of this X account
            # meanwhile moved its reports to a web account, and this one goes there too.
            reporter = identity_user(channel=IdentityKind.X, address=post.author_id)
            report = report_submit(
                reporter=reporter,
                channel="x",
                classification=Classification.COMPLAINT,
                title=title,
                body=body,
                # A DM is the sender's choice not to speak in public: hide the name.
                anonymous=post.kind == "dm",
            )
            if post.media:
                # Fetched by a worker (x_media_attach), not in X's request: X wants its
                # answer in seconds, and a web worker killed mid-download would leave a
                # message recorded as received with no report behind it.
                message.pending_media = [[media.url, media.name] for media in post.media]
                message.save(update_fields=["pending_media"])
                inbound_finish(message, status=InboundStatus.PENDING, report=report)
                _media_queue(message)
            else:
                reply = receipt_text(report=report)
                inbound_finish(message, status=InboundStatus.ACCEPTED, report=report, reply=reply)
                _reply_queue(report=report, reporter=reporter, message=message, text=reply)
    except ValidationFailed as exc:
        return _refuse(post, message, problem=_first_problem(exc), detail="not valid")
    return "accepted"


def _media_queue(message: InboundMessage) -> None:
    from .tasks import x_media_attach

    transaction.on_commit(partial(x_media_attach.enqueue, message_id=message.pk), robust=True)


def x_media_attach_run(*, message_id: int) -> int:
    """Fetch a pending message's media, attach what passes the checks to its report, and
    send the receipt (which says how many were refused). Safe to run twice: media are
    downloaded outside any transaction, and only the run that still finds the message
    pending under its row lock attaches them; the other drops its downloads. Returns how
    many files were attached."""
    message = (
        InboundMessage.objects.select_related("report__reporter")
        .filter(pk=message_id, channel=IdentityKind.X, status=InboundStatus.PENDING)
        .first()
    )
    if message is None:
        return 0
    if message.report is None:
        # Its report is gone (the message keeps SET_NULL): nothing to attach to, ever.
        _media_settle_failed(message.pk, detail="report gone before its media")
        return 0
    report, reporter = message.report, message.report.reporter
    files, refused = _media_fetch(message.external_id, message.pending_media)
    stored: list[str] = []
    attached = 0
    try:
        with transaction.atomic():
            locked = InboundMessage.objects.select_for_update().get(pk=message.pk)
            if locked.status != InboundStatus.PENDING:
                return 0  # another run attached them meanwhile
            for prepared in files:
                try:
                    attachment = report_attachment_add(
                        report=report, actor=reporter, prepared=prepared
                    )
                except DomainError as exc:  # closed meanwhile, over the count …
                    logger.warning("x: media of %s not attached: %s", locked.external_id, exc)
                    refused += 1
                else:
                    stored.extend(attachment_stored_names(attachment))
                    attached += 1
            reply = receipt_text(report=report, refused=refused)
            locked.pending_media = []
            locked.save(update_fields=["pending_media"])
            inbound_finish(locked, status=InboundStatus.ACCEPTED, report=report, reply=reply)
            _reply_queue(report=report, reporter=reporter, message=locked, text=reply)
    except BaseException:
        # The rows are rolled back; the files are not. The message stays pending: the
        # sweep enqueues it again (x_media_requeue).
        attachments_discard(stored)
        raise
    return attached


# How long a pending message waits for its task before the sweep enqueues it again.
MEDIA_REQUEUE_AFTER = dt.timedelta(minutes=5)
# How long the sweep keeps trying. Past it the message is settled without its media: a
# step that fails every time (or a report that cannot take them) is otherwise tried
# every minute for ever, and, oldest first, such messages would hold back newer ones.
MEDIA_GIVE_UP_AFTER = dt.timedelta(days=1)


def x_media_requeue(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Enqueue the media task again for messages still pending after
    ``MEDIA_REQUEUE_AFTER`` (a lost task, a worker that died, a failed attempt); settle
    those pending for longer than ``MEDIA_GIVE_UP_AFTER`` without their media. Returns
    how many were enqueued."""
    from .tasks import x_media_attach

    now = now or timezone.now()
    due = (
        InboundMessage.objects.filter(
            status=InboundStatus.PENDING, received_at__lt=now - MEDIA_REQUEUE_AFTER
        )
        .order_by("received_at")
        .values_list("pk", "received_at")[:limit]
    )
    ids = []
    for message_id, received_at in due:
        if received_at < now - MEDIA_GIVE_UP_AFTER:
            x_media_give_up(message_id=message_id)  # no longer pending: out of the line
        else:
            ids.append(message_id)
    for message_id in ids:
        x_media_attach.enqueue(message_id=message_id)
    if ids:
        logger.warning("x: media of %d messages enqueued again", len(ids))
    return len(ids)


def x_media_give_up(*, message_id: int) -> None:
    """Settle a message whose media could not be attached in ``MEDIA_GIVE_UP_AFTER``:
    accepted, with the receipt saying that its media could not be accepted."""
    try:
        with transaction.atomic():
            message = (
                InboundMessage.objects.select_for_update()
                .filter(pk=message_id, status=InboundStatus.PENDING)
                .first()
            )
            if message is None:
                return
            report = Report.objects.select_related("reporter").filter(pk=message.report_id).first()
            if report is None:
                _media_settle_failed(message.pk, detail="report gone before its media")
                return
            logger.warning("x: media of %s given up", message.external_id)
            reply = receipt_text(report=report, refused=len(message.pending_media))
            message.pending_media = []
            message.save(update_fields=["pending_media"])
            inbound_finish(
                message,
                status=InboundStatus.ACCEPTED,
                report=report,
                reply=reply,
                detail="media not fetched in time",
            )
            _reply_queue(report=report, reporter=report.reporter, message=message, text=reply)
    except Exception:
        logger.exception("x: media of message %s could not be settled", message_id)
        _media_settle_failed(message_id, detail="media not fetched in time")


def _media_settle_failed(message_id: int, *, detail: str) -> None:
    InboundMessage.objects.filter(pk=message_id, status=InboundStatus.PENDING).update(
        status=InboundStatus.FAILED, detail=detail
    )


def _first_problem(exc: ValidationFailed) -> str:
    for messages in exc.field_errors.values():
        if messages:
            return str(messages[0])
    return exc.message


def _media_fetch(external_id: str, media: list[list[str]]) -> tuple[list[PreparedFile], int]:
    """The media (``[url, name]`` pairs) that pass ``prepare_upload``, and how many did
    not."""
    files: list[PreparedFile] = []
    refused = 0
    limit = settings.ADUAN_ATTACHMENT_MAX_BYTES
    budget = DecodeBudget()
    for url, name in media:
        if len(files) >= settings.ADUAN_ATTACHMENT_MAX_COUNT:
            refused += 1
            continue
        try:
            size, chunks = client.media_download(url, limit=limit)
            with contextlib.closing(chunks):
                files.append(
                    prepare_upload(name=name, chunks=chunks, declared_size=size, budget=budget)
                )
        except (client.XApiError, ValidationFailed, PayloadTooLarge) as exc:
            logger.warning("x: media of %s refused: %s", external_id, exc)
            refused += 1
    return files, refused


def _track_link(report: Report) -> str:
    return settings.SITE_URL + reverse("web:track_detail", args=[report.tracking_id])


def _fit(text: str, link: str = "") -> str:
    """At most 280 characters, the link (if any) whole at the end."""
    if not link:
        return Truncator(text).chars(client.TEXT_MAX)
    return f"{Truncator(text).chars(client.TEXT_MAX - len(link) - 1)} {link}"


def receipt_text(*, report: Report, refused: int = 0) -> str:
    """The answer to an accepted report: its tracking id and link, nothing of its text."""
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Thank you, your report %(id)s has been received. Follow it here:") % {
            "id": report.tracking_id
        }
        if refused:
            notice = ngettext(
                "%(n)d attachment could not be accepted (only JPEG or PNG photos, PDFs and "
                "MP4 videos up to the size limit).",
                "%(n)d attachments could not be accepted (only JPEG or PNG photos, PDFs and "
                "MP4 videos up to the size limit).",
                refused,
            ) % {"n": refused}
            text = f"{notice} {text}"
        return _fit(text, _track_link(report))


def refusal_text(problem: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _fit(
            _(
                "No report was made: %(problem)s Write what happened, where and when in "
                "one post to @%(handle)s or in a direct message."
            )
            % {"problem": problem, "handle": client.x_config().handle}
        )


def _refuse(post: Post, message: InboundMessage, *, problem: str, detail: str) -> str:
    reply = refusal_text(problem)
    inbound_finish(message, status=InboundStatus.REJECTED, reply=reply, detail=detail)
    _answer_queue(message)
    return "rejected"


def _answer_queue(message: InboundMessage) -> None:
    from .tasks import x_answer_send

    transaction.on_commit(partial(x_answer_send.enqueue, message_id=message.pk), robust=True)


def claim_reply_text(result: claim.ClaimResult) -> str:
    if result.outcome == claim.Outcome.REFUSED:
        return ""  # a switched-off account gets no answer, as to its posts
    handle = client.x_config().handle
    with translation.override(
        (result.user.language if result.user else "") or settings.LANGUAGE_CODE
    ):
        if result.outcome == claim.Outcome.LINKED:
            text = _("Done: this X account is now linked to your Aduan web account.")
            text += " " + _("Not your account? Send LEPAS by direct message.")
            if result.reports_moved:
                text += " " + ngettext(
                    "%(n)d report moved to it.", "%(n)d reports moved to it.", result.reports_moved
                ) % {"n": result.reports_moved}
        elif result.outcome == claim.Outcome.ALREADY:
            text = _("This X account is already linked to your Aduan web account.")
        elif result.outcome == claim.Outcome.TAKEN:
            text = _("This X account is linked to another Aduan account. Unlink it there first.")
        elif result.outcome == claim.Outcome.PUBLISHED:
            text = _(
                "That code was posted in public, so it no longer works. Get a new code on the "
                "website and send it to @%(handle)s by direct message."
            ) % {"handle": handle}
        elif result.outcome == claim.Outcome.LIMITED:
            text = _("Too many wrong codes from this account. Please try again later.")
        else:
            text = _(
                "The code is wrong or has expired. Get a new one on the website and send "
                "KLAIM [code] to @%(handle)s by direct message."
            ) % {"handle": handle}
        return _fit(text)


def _claim(post: Post, message: InboundMessage, code: str) -> str:
    """``KLAIM <code>``: link this X account to a web account (``aduan.channels.claim``).
    Only by direct message: a code in a public post is spent, nothing linked."""
    with transaction.atomic():
        result = claim.claim_redeem(
            channel=IdentityKind.X,
            address=post.author_id,
            code=code,
            handle=post.handle,
            public=post.kind != "dm",
        )
        linked = result.outcome in (claim.Outcome.LINKED, claim.Outcome.ALREADY)
        inbound_finish(
            message,
            status=InboundStatus.ACCEPTED if linked else InboundStatus.REJECTED,
            reply=claim_reply_text(result),
            detail=f"claim: {result.outcome}",
        )
        _answer_queue(message)
    return "accepted" if linked else "rejected"


_UNLINK = re.compile(r"\s*(?:LEPAS|UNLINK)\s*[.!]?\s*", re.IGNORECASE)


def _unlink(post: Post, message: InboundMessage) -> str:
    """A DM ``LEPAS``: take this X account off the web account it was linked to, with
    the reports the link moved (``claim.claim_undo``)."""
    with transaction.atomic():
        result = claim.claim_undo(channel=IdentityKind.X, address=post.author_id)
        with translation.override(
            (result.user.language if result.user else "") or settings.LANGUAGE_CODE
        ):
            if result.undone:
                text = ngettext(
                    "This X account is no longer linked to an Aduan web account; "
                    "%(n)d report is back with it.",
                    "This X account is no longer linked to an Aduan web account; "
                    "%(n)d reports are back with it.",
                    result.reports_moved,
                ) % {"n": result.reports_moved}
            else:
                text = _("This X account is not linked to an Aduan web account.")
        inbound_finish(
            message,
            status=InboundStatus.ACCEPTED if result.undone else InboundStatus.REJECTED,
            reply=_fit(text),
            detail="unlink: done" if result.undone else "unlink: not linked",
        )
        _answer_queue(message)
    return "accepted" if result.undone else "rejected"


def _reply_queue(*, report: Report, reporter: User, message: InboundMessage, text: str) -> None:
    """The answer to a new report, as an outbox row on channel "x": retried with back-off
    and sent at most once by the notifications worker (``sender.py`` posts its body as
    it is). Written here rather than through ``notify``: it answers this message, which
    is no preference-governed notification, and its text is the channel's own."""
    from aduan.notifications.tasks import deliver_notification

    row = Notification.objects.create(
        recipient=reporter,
        kind=NotificationKind.STATUS_CHANGED,
        report=report,
        event=report.events.order_by("id").first(),
        subject=Truncator(text).chars(200),
        body=text,
        url=reverse("web:track_detail", args=[report.tracking_id]),
        channel="x",
        idempotency_key=f"{REPLY_KEY_PREFIX}{message.external_id}"[:200],
        state=NotificationState.PENDING,
    )
    transaction.on_commit(
        partial(deliver_notification.enqueue, notification_id=row.pk), robust=True
    )


def x_answer_deliver(*, message_id: int) -> bool:
    """Send the answer to a message that made no report (a refusal, a claim) once, best
    effort: there is no report to follow, and whoever gets no answer writes again."""
    message = InboundMessage.objects.filter(
        pk=message_id,
        channel=IdentityKind.X,
        status__in=(InboundStatus.REJECTED, InboundStatus.ACCEPTED),
        report__isnull=True,
    ).first()
    if message is None or not message.reply or not client.x_config().sends:
        return False
    kind, _sep, external = message.external_id.partition(":")
    try:
        if kind == "tweet":
            client.tweet_reply(text=message.reply, in_reply_to=external, started=lambda: None)
        else:
            client.direct_message(
                text=message.reply, participant_id=message.sender, started=lambda: None
            )
    except client.XApiError as exc:
        logger.warning("x: answer to %s not sent: %s", message.external_id, exc)
        return False
    return True


def x_deletion_receive(*, deletion: Deletion) -> str:
    """A deleted tweet: the report stays (evidence), a staff-only note records it."""
    notice, created = inbound_receive(
        channel=IdentityKind.X,
        external_id=f"tweet-delete:{deletion.tweet_id}",
        sender=deletion.author_id,
        text="",
    )
    if not created:
        return "repeated"
    origin = (
        InboundMessage.objects.select_related("report")
        .filter(channel=IdentityKind.X, external_id=f"tweet:{deletion.tweet_id}")
        .first()
    )
    if origin is None or origin.sender != deletion.author_id:
        inbound_finish(notice, status=InboundStatus.IGNORED, detail="no message from this tweet")
        return "ignored"
    now = timezone.now()
    with transaction.atomic():
        inbound_finish(
            origin,
            status=origin.status,
            report=origin.report,
            reply=origin.reply,
            detail=f"deleted on X by its author ({now.isoformat(timespec='seconds')}); "
            + origin.detail,
        )
        if origin.report is not None:
            with translation.override(settings.LANGUAGE_CODE):
                note = _(
                    "The X post this report came from was deleted by its author "
                    "(notice received %(when)s). The report is kept as it was submitted."
                ) % {"when": date_format(timezone.localtime(now), "DATETIME_FORMAT")}
            report_system_note(report=origin.report, note=note)
        inbound_finish(
            notice, status=InboundStatus.ACCEPTED, report=origin.report, detail="tweet deleted"
        )
    return "accepted"
