import pytest
from django.db.models import F
from django.test import RequestFactory

from aduan.core.pagination import CappedPaginator, capped_count, page_rows
from aduan.reports.models import Report
from aduan.reports.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db


def test_capped_count_is_exact_below_the_cap_and_flags_above_it():
    ReportFactory.create_batch(4)
    assert capped_count(Report.objects.all(), cap=10) == (4, False)
    assert capped_count(Report.objects.all(), cap=4) == (4, False)
    assert capped_count(Report.objects.all(), cap=3) == (3, True)


def test_capped_paginator_limits_pages_to_the_cap(django_assert_num_queries):
    ReportFactory.create_batch(7)
    paginator = CappedPaginator(Report.objects.order_by("id"), 2, cap=5)
    with django_assert_num_queries(1):
        assert paginator.count == 5
    assert paginator.count_is_capped is True
    assert paginator.num_pages == 3
    assert len(paginator.page(3).object_list) == 1


def test_a_later_page_reads_its_ids_then_its_rows_in_the_list_order(
    django_assert_num_queries,
):
    ReportFactory.create_batch(7)
    queryset = Report.objects.select_related("agency").order_by("title", "-id")
    paginator = CappedPaginator(queryset, 3, cap=10)
    assert paginator.count == 7
    with django_assert_num_queries(2):  # the page's ids, then its rows
        page = paginator.page(2)
        rows = list(page.object_list)
    assert rows == list(queryset[3:6])
    assert [r.agency for r in rows] == [r.agency for r in queryset[3:6]]
    assert list(paginator.page(3).object_list) == list(queryset[6:7])


def test_a_list_in_an_order_computed_per_row_reads_its_ids_first_from_page_one(
    django_assert_num_queries,
):
    ReportFactory.create_batch(5)
    queryset = Report.objects.annotate(weight=F("id") % 3).order_by("-weight", "-id")
    with django_assert_num_queries(2):  # the ids by the computed order, then the rows
        rows = page_rows(queryset, 0, 3)
    assert rows == list(queryset[:3])
    newest = list(Report.objects.order_by("-id")[:3])
    with django_assert_num_queries(1):  # an order an index can give: one query
        assert page_rows(Report.objects.order_by("-id"), 0, 3) == newest


def test_web_feed_and_api_say_when_the_count_is_capped(client, settings):
    settings.ADUAN_COUNT_CAP = 3
    ReportFactory.create_batch(5, verified=True)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/laporan/")
    assert "More than 3 reports" in page.content.decode()
    body = client.get("/api/v1/reports").json()
    assert body["count"] == 3
    assert body["count_is_capped"] is True


def test_submission_rate_counts_the_token_user_not_the_anonymous_session(settings):
    """A token-authenticated API call arrives with the session's AnonymousUser on the
    request; the per-account limit must still count the account, not the address."""
    from django.contrib.auth.models import AnonymousUser

    from aduan.accounts.tests.factories import UserFactory
    from aduan.core.errors import RateLimited
    from aduan.core.ratelimit import check_submission_rate

    settings.ADUAN_SUBMIT_RATE_USER = "2/h"
    settings.ADUAN_SUBMIT_RATE_IP = "100/h"
    first, second = UserFactory(), UserFactory()
    factory = RequestFactory()

    def call(user):
        request = factory.post("/api/v1/reports", REMOTE_ADDR="10.0.0.9")
        request.user = AnonymousUser()
        check_submission_rate(request, user=user)

    call(first)
    call(first)
    with pytest.raises(RateLimited):
        call(first)
    call(second)  # same address, other account: its own budget
