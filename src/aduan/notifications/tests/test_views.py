from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from aduan.accounts.tests.factories import UserFactory
from aduan.notifications.models import Notification, NotificationKind, NotificationPreference
from aduan.notifications.senders import channels
from aduan.notifications.services import notify

pytestmark = pytest.mark.django_db

LIST = reverse("notifications:list")
READ_ALL = reverse("notifications:read_all")
PREFERENCES = reverse("notifications:preferences")


def _in_app(user, report, n: int = 1) -> list[Notification]:
    for i in range(n):
        notify(recipients=[user], kind=NotificationKind.COMMENT_POSTED, report=report, key=f"v{i}")
    return list(Notification.objects.filter(recipient=user, channel="in_app"))


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", LIST),
        ("post", READ_ALL),
        ("get", PREFERENCES),
        ("post", PREFERENCES),
        ("post", reverse("notifications:read", args=[1])),
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_list_shows_only_my_in_app_notifications_newest_first(
    client, reporter, report, django_assert_max_num_queries
):
    rows = _in_app(reporter, report, n=3)
    someone = UserFactory()
    notify(recipients=[someone], kind="comment_posted", report=report, key="other")
    client.force_login(reporter)
    with django_assert_max_num_queries(6):
        response = client.get(LIST)
    assert response.status_code == 200
    page = list(response.context["page"])
    assert [n.pk for n in page] == sorted((r.pk for r in rows), reverse=True)
    assert all(n.recipient_id == reporter.pk and n.channel == "in_app" for n in page)
    assert response.content.decode().count("notification-unread") == 3


def test_list_query_count_does_not_grow_with_rows(
    client, reporter, report, django_assert_max_num_queries
):
    _in_app(reporter, report, n=25)
    client.force_login(reporter)
    with django_assert_max_num_queries(6):
        response = client.get(LIST, {"page": 2})
    assert len(response.context["page"].object_list) == 5


def test_mark_one_read_plain_and_htmx(client, reporter, report):
    first, second = _in_app(reporter, report, n=2)
    client.force_login(reporter)
    response = client.post(reverse("notifications:read", args=[first.pk]))
    assert response.status_code == 302
    assert response["Location"] == LIST
    response = client.post(reverse("notifications:read", args=[second.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="notification-{second.pk}"' in response.content.decode()
    assert "notification-unread" not in response.content.decode()
    assert not Notification.objects.filter(
        recipient=reporter, channel="in_app", read_at__isnull=True
    ).exists()


def test_mark_read_then_open_the_report(client, reporter, report):
    (row,) = _in_app(reporter, report)
    client.force_login(reporter)
    response = client.post(reverse("notifications:read", args=[row.pk]), {"next": row.url})
    assert response["Location"] == row.url
    response = client.post(
        reverse("notifications:read", args=[row.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == LIST


def test_nobody_can_mark_someone_elses_notification(client, reporter, report):
    (row,) = _in_app(reporter, report)
    client.force_login(UserFactory())
    response = client.post(reverse("notifications:read", args=[row.pk]))
    assert response.status_code == 404
    assert Notification.objects.get(pk=row.pk).read_at is None


def test_mark_all_read_touches_only_mine(client, reporter, report):
    _in_app(reporter, report, n=2)
    someone = UserFactory()
    notify(recipients=[someone], kind="comment_posted", report=report, key="other")
    client.force_login(reporter)
    response = client.post(READ_ALL, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="notification-list"' in response.content.decode()
    assert not Notification.objects.filter(
        recipient=reporter, channel="in_app", read_at__isnull=True
    ).exists()
    assert Notification.objects.get(recipient=someone, channel="in_app").read_at is None


def test_preferences_page_saves_choices(client, reporter):
    client.force_login(reporter)
    response = client.get(PREFERENCES)
    assert response.status_code == 200
    assert 'name="status_changed:in_app"' in response.content.decode()
    everything_but_comment_email = {
        f"{kind}:{channel}": "on"
        for kind in NotificationKind.values
        for channel in channels()  # SMS and X register their own
        if (kind, channel) != ("comment_posted", "email")
    }
    response = client.post(
        PREFERENCES, {**everything_but_comment_email, "bogus:sms": "on", "x": "y"}
    )
    assert response.status_code == 302
    off = list(
        NotificationPreference.objects.filter(user=reporter, enabled=False).values_list(
            "kind", "channel"
        )
    )
    assert off == [("comment_posted", "email")]
    # Unchecking everything still keeps the status changes in the list.
    client.post(PREFERENCES, {})
    assert not NotificationPreference.objects.filter(
        user=reporter, kind="status_changed", channel="in_app", enabled=False
    ).exists()
    page = client.get(PREFERENCES).content.decode()
    assert 'name="status_changed:in_app" id="pref-status_changed-in_app"' in page


def test_preferences_are_per_user(client, reporter):
    other = UserFactory()
    client.force_login(other)
    client.post(PREFERENCES, {})
    assert not NotificationPreference.objects.filter(user=reporter).exists()


def test_the_badge_counts_unread_in_one_query(reporter, report, django_assert_num_queries):
    rows = _in_app(reporter, report, n=3)
    rows[0].read_at = timezone.now()
    rows[0].save()
    request = RequestFactory().get("/")
    request.user = reporter
    template = Template("{% load notifications %}{% notification_badge %}")
    with django_assert_num_queries(1):
        html = template.render(Context({"request": request}))
    assert ">2</span>" in html
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    with django_assert_num_queries(0):
        assert template.render(Context({"request": request})).strip() == ""


def _badge(user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load notifications %}{% notification_badge %}").render(
        Context({"request": request})
    )


def test_the_badge_is_read_once_then_kept_a_moment(reporter, report, django_assert_num_queries):
    _in_app(reporter, report, n=2)
    assert ">2</span>" in _badge(reporter)
    with django_assert_num_queries(0):  # the next page of the same user: from the cache
        assert ">2</span>" in _badge(reporter)
    assert 'class="badge"' not in _badge(UserFactory())  # another user's count is their own


def test_the_badge_shows_every_change_once_committed(
    client, reporter, report, django_capture_on_commit_callbacks
):
    def committed(change):
        with django_capture_on_commit_callbacks(execute=True):
            change()

    first, second = _in_app(reporter, report, n=2)
    assert ">2</span>" in _badge(reporter)
    # A new notification (``notify`` writes without signals), one saved on its own ...
    committed(lambda: _in_app(reporter, report, n=3))
    assert ">3</span>" in _badge(reporter)
    first.read_at = timezone.now()
    committed(first.save)
    assert ">2</span>" in _badge(reporter)
    # ... marked read through the site, one deleted, every one read.
    client.force_login(reporter)
    committed(lambda: client.post(reverse("notifications:read", args=[second.pk])))
    assert ">1</span>" in _badge(reporter)
    unread = Notification.objects.filter(recipient=reporter, channel="in_app", read_at=None)
    assert unread.count() == 1
    committed(unread.get().delete)
    assert 'class="badge"' not in _badge(reporter)
    committed(lambda: _in_app(reporter, report, n=4))  # the deleted key's row again, a 4th
    assert ">2</span>" in _badge(reporter)
    committed(lambda: client.post(READ_ALL))
    assert 'class="badge"' not in _badge(reporter)


def test_the_badge_is_not_forgotten_before_the_commit(
    reporter, report, django_capture_on_commit_callbacks
):
    # Forgetting inside the transaction would let a page read before the commit keep the
    # old count, and a failing database cache break the writer's transaction.
    _in_app(reporter, report, n=1)
    assert ">1</span>" in _badge(reporter)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _in_app(reporter, report, n=2)
        assert ">1</span>" in _badge(reporter)
    assert callbacks
