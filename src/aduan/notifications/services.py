"""Writing notifications, and the choices users make about them.

``notify`` runs inside the action's transaction, so rows commit with the state change they
announce; delivery is enqueued on commit (and the sweep picks up the rest). An anonymous
reporter's identity and a confidential report's text never leave through them. What a
notification may say: docs/notifications.md.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import connection, transaction
from django.db.models.constants import OnConflict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from aduan.accounts.capabilities import is_staff_member
from aduan.core.errors import NotFound, ValidationFailed
from aduan.reports.models import Status
from aduan.reports.selectors import event_note_for, report_text_for, text_masked_for

from .badge import unread_badge_forget
from .models import (
    Notification,
    NotificationChannel,
    NotificationKind,
    NotificationPreference,
    NotificationState,
    PushSubscription,
)
from .senders import channels
from .senders.push import AUTH_BYTES, P256DH_BYTES, b64url_decode, endpoint_allowed, push_enabled

if TYPE_CHECKING:
    from aduan.accounts.models import User
    from aduan.reports.models import Report, ReportEvent

# Always written, whatever the user chose: the in-app list is the record of a report's
# progress that the reporter can always come back to.
ALWAYS_ON = frozenset({(NotificationKind.STATUS_CHANGED, NotificationChannel.IN_APP)})

EXCERPT_CHARS = 300
KEY_MAX = 200


def _status_label(value: str) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return value


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}" if path.startswith("/") else path


def _may_carry_text(*, channel: str, report: Report | None) -> bool:
    """E-mail (or push, SMS…) of a confidential report carries no report or response text:
    only the in-app list, read behind the sign-in, does."""
    return channel == NotificationChannel.IN_APP or not (report is not None and report.confidential)


# Stands for the recipient's name in a text rendered once for several recipients.
_NAME = "\ue000recipient\ue001"
# What ``_render`` gives the templates that may differ between the recipients of one call.
_PER_RECIPIENT = (
    "report_title",
    "note",
    "excerpt",
    "link",
    "is_reporter",
    "to_status",
    "from_status",
)


def _render(
    *,
    kind: str,
    recipient: User,
    channel: str,
    report: Report | None,
    event: ReportEvent | None,
    context: Mapping[str, Any],
    shared: dict | None = None,
) -> tuple[str, str, str]:
    """``(subject, body, url path)`` for one recipient on one channel, in their language.

    ``shared`` (a dict the caller keeps for one batch of rows): the recipients of one
    call (the same ``context``) for whom the templates get the same values but the name
    (``get_short_name``, the only thing of the recipient they show) share one rendering,
    the name put in afterwards."""
    is_reporter = report is not None and recipient.pk == report.reporter_id
    values = dict(context)
    if report is not None and report.anonymous and not is_reporter:
        values = {k: v for k, v in values.items() if not k.startswith("reporter")}
    may_carry_text = _may_carry_text(channel=channel, report=report)
    links = shared.setdefault("links", {}) if shared is not None else None

    path = _link_path(
        recipient=recipient, report=report, is_reporter=is_reporter, values=values, links=links
    )
    if values.get("note") and report is not None:  # a note the caller wrote for this kind
        note = text_masked_for(user=recipient, report=report, text=str(values["note"]))
    elif event is not None and report is not None:
        note = event_note_for(user=recipient, report=report, event=event)
    else:
        note = values.get("note") or ""

    language = recipient.language or settings.LANGUAGE_CODE
    in_app = channels()[channel].brief  # the in-app list's and push's short text
    with translation.override(language):
        values.update(
            report=report,
            # A follower reads the public title, as on the report's page.
            report_title=report_text_for(user=recipient, report=report)[0] if report else "",
            event=event,
            is_reporter=is_reporter,
            to_status=_status_label(values.get("to_status") or (event.to_status if event else "")),
            from_status=_status_label(
                values.get("from_status") or (event.from_status if event else "")
            ),
            note=note if may_carry_text else "",
            excerpt=(
                Truncator(report.body).chars(EXCERPT_CHARS)
                if report is not None and is_reporter and may_carry_text
                else ""
            ),
            link=_absolute(path),
            preferences_link=_absolute(
                _reverse_cached(links, "notifications:preferences")
                if links is not None
                else reverse("notifications:preferences")
            ),
        )
        key = None
        if shared is not None and not any(
            _NAME in str(value) for value in [*context.values(), *map(values.get, _PER_RECIPIENT)]
        ):
            key = (kind, in_app, language, id(context), *map(str, map(values.get, _PER_RECIPIENT)))
        texts = shared.get(key) if key is not None else None
        if texts is None:
            values["recipient"] = _Named() if key is not None else recipient
            texts = (
                render_to_string(f"notifications/email/{kind}.txt", values),
                render_to_string(f"notifications/in_app/{kind}.txt", values) if in_app else "",
            )
            if key is not None:
                shared[key] = texts
    text, in_app_text = texts
    if key is not None:
        name = recipient.get_short_name()
        text = text.replace(_NAME, name)
        in_app_text = in_app_text.replace(_NAME, name)
    subject, _sep, body = text.strip().partition("\n")
    if in_app:
        # The list is read on the site (and a push shows on the phone): a sentence or
        # two, the note, and the row's link, without the e-mail's greeting, URLs and
        # footer.
        body = re.sub(r"\n\s*\n", "\n", in_app_text.strip())
    body = re.sub(r"\n{3,}", "\n\n", body.strip())  # optional blocks leave blank runs
    return Truncator(subject.strip()).chars(200), body + "\n", path


class _Named:
    """The recipient in a shared rendering: only the name, as a mark put in afterwards."""

    def get_short_name(self) -> str:
        return _NAME


def _reverse_cached(links: dict, name: str, *args: str) -> str:
    if (name, args) not in links:
        links[(name, args)] = reverse(name, args=args or None)
    return links[(name, args)]


def _link_path(
    *,
    recipient: User,
    report: Report | None,
    is_reporter: bool,
    values: Mapping[str, Any],
    links: dict | None = None,
) -> str:
    """The page a notification opens: the staff page of the report for staff (or the
    ``staff_url`` the caller gave), the public tracking page for the reporter and
    followers (who see there what they may read of it). ``links``: reversed paths kept
    for a batch."""
    if report is None:
        return ""

    def path(name: str) -> str:
        if links is None:
            return reverse(name, args=[report.tracking_id])
        return _reverse_cached(links, name, report.tracking_id)

    if is_reporter or not is_staff_member(recipient):
        return path("web:track_detail")
    return str(values.get("staff_url") or path("web:staff_report"))


# Set inside ``wanted_cached()``: (kind, recipient ids) → ``_wanted``'s answer.
_wanted_cache: ContextVar[dict[tuple[str, tuple[int, ...]], dict[str, set[int]]] | None] = (
    ContextVar("notify_wanted_cache", default=None)
)


@contextmanager
def wanted_cached() -> Iterator[None]:
    """Inside the block, ``notify`` looks up once per kind and set of recipients which
    channels reach them and what they chose (the periodic sweep tells the same staff
    about many reports in one run, each in its own transaction). A choice changed while
    the block runs applies from the next block on, as the sweep's staff lists do."""
    token = _wanted_cache.set({})
    try:
        yield
    finally:
        _wanted_cache.reset(token)


def _wanted(*, kind: str, recipients: list[User]) -> dict[str, set[int]]:
    """For each channel, the recipients it reaches who want it: their own choice where
    they made one, the channel's default for them where not."""
    cache = _wanted_cache.get()
    if cache is None:
        return _wanted_now(kind=kind, recipients=recipients)
    key = (kind, tuple(user.pk for user in recipients))
    if key not in cache:
        cache[key] = _wanted_now(kind=kind, recipients=recipients)
    return cache[key]


def _wanted_prefetch(people_of: Sequence[tuple[NotifyCall, list[User]]]) -> None:
    """Inside ``wanted_cached()``: ``_wanted`` of every call's recipients not yet known,
    looked up once per kind for all of them (each user's answer is their own)."""
    cache = _wanted_cache.get()
    if cache is None:
        return
    missing: dict[str, dict[tuple[int, ...], list[User]]] = {}
    for call, people in people_of:
        key = (call.kind, tuple(user.pk for user in people))
        if key not in cache:
            missing.setdefault(call.kind, {})[key[1]] = people
    for kind, sets in missing.items():
        if len(sets) < 2:
            continue  # ``_wanted`` looks it up as it is
        everyone = list({user.pk: user for people in sets.values() for user in people}.values())
        found = _wanted_now(kind=kind, recipients=everyone)
        for ids in sets:
            cache[(kind, ids)] = {channel: set(ids) & found[channel] for channel in found}


def _wanted_now(*, kind: str, recipients: list[User]) -> dict[str, set[int]]:
    chosen = {
        (user_id, channel): enabled
        for user_id, channel, enabled in NotificationPreference.objects.filter(
            user__in=recipients, kind=kind
        ).values_list("user_id", "channel", "enabled")
    }
    by_id = {user.pk: user for user in recipients}
    wanted: dict[str, set[int]] = {}
    for name, sender in channels().items():
        wanted[name] = {
            user_id
            for user_id in sender.reachable(recipients)
            if (kind, name) in ALWAYS_ON
            or chosen.get((user_id, name), sender.enabled_by_default(by_id[user_id]))
        }
    return wanted


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    report: Report | None = None,
    event: ReportEvent | None = None,
    context: Mapping[str, Any] | None = None,
    key: str,
) -> list[Notification]:
    """Write the notifications of one event: a row per recipient and channel they want.

    ``key`` names the event (e.g. ``f"event:{event.id}"`` or
    ``f"deadline:{deadline.id}:reminder"``); each row's idempotency key is
    ``f"{key}:{recipient.id}:{channel}"``, so calling again with the same key writes
    nothing new, even concurrently. ``context`` may hold ``note`` (shown text, defaults to
    the event's public note), ``staff_url`` (the path staff open), ``due``,
    ``agency_name``, ``merged_into``, ``to_status``/``from_status`` (default: the event's).

    Returns the rows for this call's keys (including any a concurrent call wrote first).
    Delivery tasks are enqueued when the surrounding transaction commits.
    """
    return notify_many(
        [
            NotifyCall(
                recipients=list(recipients),
                kind=kind,
                report=report,
                event=event,
                context=context or {},
                key=key,
            )
        ]
    )


@dataclasses.dataclass(frozen=True)
class NotifyCall:
    """One ``notify`` call's arguments, for ``notify_many``."""

    recipients: Iterable[User]
    kind: str
    key: str
    report: Report | None = None
    event: ReportEvent | None = None
    context: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def notify_many(calls: Sequence[NotifyCall]) -> list[Notification]:
    """``notify`` for each of ``calls`` (the sweep's batch of deadline notices), with the
    keys already written read and the rows inserted in one statement each for all of them
    (more only past the database's limit of parameters): the same rows as separate calls,
    a key given twice written once. Returns the rows of every call's keys."""
    planned: dict[str, tuple[NotifyCall, User, str]] = {}
    people_of: list[tuple[NotifyCall, list[User]]] = []
    for call in calls:
        if call.kind not in NotificationKind.values:
            raise ValueError(f"Unknown notification kind {call.kind!r}.")
        if not call.key or len(call.key) > KEY_MAX - 40:
            raise ValueError("The notification key must be 1 to 160 characters.")
        people = list({user.pk: user for user in call.recipients if user is not None}.values())
        if people:
            people_of.append((call, people))
    _wanted_prefetch(people_of)
    for call, people in people_of:
        wanted = _wanted(kind=call.kind, recipients=people)
        for channel, user_ids in wanted.items():
            for user in people:
                if user.pk in user_ids:
                    planned.setdefault(f"{call.key}:{user.pk}:{channel}", (call, user, channel))
    if not planned:
        return []
    existing = _existing_keys(planned)
    now = timezone.now()
    rows = []
    rendered: dict[tuple[int, int, bool, bool], tuple[str, str, str]] = {}
    shared: dict = {}
    for row_key, (call, user, channel) in planned.items():
        if row_key in existing:
            continue
        # The in-app list (and push) have their own short text; the channels differ
        # otherwise only where one may not carry the report's text (e-mail or push of a
        # confidential report).
        variant = (
            id(call),
            user.pk,
            channels()[channel].brief,
            _may_carry_text(channel=channel, report=call.report),
        )
        if variant not in rendered:
            rendered[variant] = _render(
                kind=call.kind,
                recipient=user,
                channel=channel,
                report=call.report,
                event=call.event,
                context=call.context,
                shared=shared,
            )
        subject, body, path = rendered[variant]
        delivered = channels()[channel].delivered
        rows.append(
            Notification(
                recipient=user,
                kind=call.kind,
                report=call.report,
                event=call.event,
                subject=subject,
                body=body,
                url=path,
                channel=channel,
                idempotency_key=row_key,
                state=NotificationState.PENDING if delivered else NotificationState.SENT,
                sent_at=None if delivered else now,
                next_attempt_at=now,
                created_at=now,
            )
        )
    written = _insert_new(rows)
    unread_badge_forget(
        row.recipient_id for row in written if row.channel == NotificationChannel.IN_APP
    )
    to_deliver = [
        row.pk
        for row in written
        if row.state == NotificationState.PENDING and channels()[row.channel].delivered
    ]
    if to_deliver:
        transaction.on_commit(partial(_enqueue_deliveries, to_deliver), robust=True)
    return written


def _insert_new(rows: list[Notification]) -> list[Notification]:
    """Insert ``rows``, keeping the row that is there for any key a concurrent call wrote
    since ``_existing_keys`` (the unique key makes the database keep exactly one): those
    rows, read back, and ``rows`` for the others, newest first like ``Notification``'s
    ordering.

    ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` (PostgreSQL, SQLite 3.35+) gives the
    ids of the rows it wrote; only keys it did not write are read back. ``bulk_create``
    returns no ids with ``ignore_conflicts``, so this is the query it builds, with the
    ids asked for (``QuerySet._insert``, the same call ``bulk_create`` makes)."""
    if not rows:
        return []
    if not connection.features.can_return_rows_from_bulk_insert:
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        return list(
            Notification.objects.filter(idempotency_key__in=[row.idempotency_key for row in rows])
        )
    meta = Notification._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    size = max(1, connection.ops.bulk_batch_size(fields, rows))
    ids = {}
    for first in range(0, len(rows), size):
        returned = Notification.objects._insert(
            rows[first : first + size],
            fields=fields,
            returning_fields=[meta.pk, meta.get_field("idempotency_key")],
            on_conflict=OnConflict.IGNORE,
        )
        ids.update({key: pk for pk, key in filter(None, returned)})
    written = []
    for row in rows:
        if row.idempotency_key in ids:
            row.pk = ids[row.idempotency_key]
            row._state.adding = False
            row._state.db = Notification.objects.db
            written.append(row)
    missing = [row.idempotency_key for row in rows if row.idempotency_key not in ids]
    if missing:
        written += Notification.objects.filter(idempotency_key__in=missing)
    written.sort(key=lambda row: (row.created_at, row.pk), reverse=True)
    return written


# Keys per statement when reading which are written (a sweep's batch has thousands).
_KEYS_PER_READ = 5000


def _existing_keys(keys: Collection[str]) -> set[str]:
    keys = list(keys)
    found: set[str] = set()
    for first in range(0, len(keys), _KEYS_PER_READ):
        found.update(
            Notification.objects.filter(
                idempotency_key__in=keys[first : first + _KEYS_PER_READ]
            ).values_list("idempotency_key", flat=True)
        )
    return found


# Set inside ``deliveries_grouped()``: committed rows whose delivery task is not yet enqueued.
_delivery_group: ContextVar[list[int] | None] = ContextVar("notify_delivery_group", default=None)
# Rows per delivery task inside ``deliveries_grouped()``.
DELIVERY_GROUP = 50


@contextmanager
def deliveries_grouped() -> Iterator[None]:
    """Inside the block, the rows ``notify`` writes are delivered by one task per
    ``DELIVERY_GROUP`` rows instead of one task each: the periodic sweep writes thousands
    in a backlog, and with the database backend each task is a row and a commit of its
    own. The last group is enqueued when the block ends; a group never enqueued (the
    process died first) is delivered by the sweep's pass over pending rows."""
    group: list[int] = []
    token = _delivery_group.set(group)
    try:
        yield
    finally:
        _delivery_group.reset(token)
        if group:
            _enqueue_group(group)


def _enqueue_deliveries(notification_ids: list[int]) -> None:
    from .tasks import deliver_notification

    group = _delivery_group.get()
    if group is None:
        for notification_id in notification_ids:
            deliver_notification.enqueue(notification_id=notification_id)
        return
    group.extend(notification_ids)
    if len(group) >= DELIVERY_GROUP:
        _enqueue_group(group[:])
        group.clear()


def _enqueue_group(notification_ids: list[int]) -> None:
    from .tasks import deliver_notifications

    for start in range(0, len(notification_ids), DELIVERY_GROUP):
        deliver_notifications.enqueue(
            notification_ids=notification_ids[start : start + DELIVERY_GROUP]
        )


def notification_mark_read(
    *, user: User, notification_ids: Collection[int] | None = None, all_unread: bool = False
) -> int:
    """Mark the user's in-app notifications read: the given ids, or every unread one.

    An id that is not one of the user's in-app notifications raises ``NotFound`` and
    nothing is marked. Returns how many were newly marked.
    """
    mine = Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP)
    now = timezone.now()
    unread_badge_forget([user.pk])
    if all_unread:
        return mine.filter(read_at__isnull=True).update(read_at=now)
    ids = set(notification_ids or ())
    if not ids:
        raise ValidationFailed(_("Choose at least one notification."))
    with transaction.atomic():
        if mine.filter(pk__in=ids).count() != len(ids):
            raise NotFound(_("Notification not found."))
        return mine.filter(pk__in=ids, read_at__isnull=True).update(read_at=now)


def preference_set(*, user: User, kind: str, channel: str, enabled: bool) -> None:
    """Switch one kind of notification on one channel on or off for ``user``."""
    if kind not in NotificationKind.values:
        raise ValidationFailed(_("Unknown kind of notification."))
    if channel not in channels():
        raise ValidationFailed(_("Unknown notification channel."))
    if not enabled and (kind, channel) in ALWAYS_ON:
        raise ValidationFailed(
            _("Status changes always appear in your notification list; this cannot be turned off.")
        )
    NotificationPreference.objects.update_or_create(
        user=user, kind=kind, channel=channel, defaults={"enabled": enabled}
    )


@transaction.atomic
def preferences_update(*, user: User, enabled: Collection[tuple[str, str]]) -> None:
    """Set every (kind, channel) pair offered to ``user``: on when it is in ``enabled``,
    off otherwise. Channels not offered (no SMS number yet) keep their default."""
    for channel, sender in channels().items():
        if not sender.offered(user):
            continue
        for kind in NotificationKind.values:
            if (kind, channel) in ALWAYS_ON:
                continue
            preference_set(
                user=user, kind=kind, channel=channel, enabled=(kind, channel) in enabled
            )


# Devices a user may have push on; subscribing one more drops the one subscribed longest ago.
PUSH_DEVICES_MAX = 10


def push_subscription_save(
    *, user: User, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Turn push on for the browser that sent ``endpoint`` and its keys (the Push API's
    ``PushSubscription``). The same endpoint again updates its row, also when another
    account had it: a browser receives for whoever turned push on in it last."""
    if not push_enabled():
        raise ValidationFailed(_("Push notifications are not available on this site."))
    if not isinstance(endpoint, str) or len(endpoint) > 1000 or not endpoint_allowed(endpoint):
        raise ValidationFailed(_("This push service is not accepted."))
    try:
        if not isinstance(p256dh, str) or not isinstance(auth, str):
            raise ValueError
        point = b64url_decode(p256dh)
        if len(point) != P256DH_BYTES or len(b64url_decode(auth)) != AUTH_BYTES:
            raise ValueError
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise ValidationFailed(_("The browser's push keys are not valid.")) from None
    with transaction.atomic():
        subscription, _created = PushSubscription.objects.update_or_create(
            endpoint=endpoint,
            defaults={
                "user": user,
                "p256dh": p256dh,
                "auth": auth,
                "user_agent": user_agent[:300],
                "created_at": timezone.now(),
            },
        )
        older = PushSubscription.objects.filter(user=user).order_by("-created_at", "-pk")
        stale = list(older.values_list("pk", flat=True)[PUSH_DEVICES_MAX:])
        if stale:
            PushSubscription.objects.filter(pk__in=stale).delete()
    return subscription


def push_subscription_delete(*, user: User, endpoint: str) -> bool:
    """Turn push off for one of ``user``'s browsers. False when it was not on (or not theirs:
    the two are not told apart)."""
    if not isinstance(endpoint, str):
        return False
    deleted, _rows = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return bool(deleted)


# The endpoints subscribed (or found to be the user's) in a session: signing out of it
# turns push off for them, so a shared phone stops receiving the one who left (ADR 0023).
PUSH_SESSION_KEY = "aduan_push_endpoints"


def push_endpoint_remember(session, endpoint: str) -> None:
    """Note in ``session`` that this browser's ``endpoint`` is pushed to its user."""
    endpoints = [e for e in session.get(PUSH_SESSION_KEY, []) if e != endpoint]
    session[PUSH_SESSION_KEY] = [*endpoints, endpoint][-PUSH_DEVICES_MAX:]


def push_subscriptions_forget_session(*, user: User, session) -> int:
    """Turn push off for the browsers subscribed in ``session`` (at sign-out)."""
    endpoints = [e for e in session.get(PUSH_SESSION_KEY, []) if isinstance(e, str)]
    if not endpoints:
        return 0
    deleted, _rows = PushSubscription.objects.filter(user=user, endpoint__in=endpoints).delete()
    return deleted


def push_subscription_claim(*, user: User, endpoint: str) -> bool:
    """Is this browser's ``endpoint`` pushed to ``user``? When it is another account's, the
    browser is in ``user``'s hands now: the other account's row goes, so their
    notifications stop reaching it (someone signed in on a phone another left signed in)."""
    if not isinstance(endpoint, str) or not endpoint:
        return False
    row = PushSubscription.objects.filter(endpoint=endpoint).only("user_id").first()
    if row is None:
        return False
    if row.user_id != user.pk:
        row.delete()
        return False
    return True
