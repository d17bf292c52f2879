"""Who may open the staff workspaces, and what each of them sees there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aduan.programmes.tests.factories import ProgrammeFactory
from aduan.reports.models import ReportEvent, Status
from aduan.workflow import services as wf

from .staff_helpers import action_forms, disposed, sign_in, submitted, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

QUEUE = reverse("web:staff_queue")
INBOX = reverse("web:staff_inbox")
PEOPLE = [
    "anonymous",
    "citizen",
    "national_admin",
    "agency_admin",
    "other_agency_admin",
    "unit_officer",
    "oversight",
    "ksp",
]


def _refused_or(who: str, response, allowed: set[str], ok: int = 200) -> bool:
    """Assert the answer for ``who``; True when the page was shown."""
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        return False
    if who in allowed:
        assert response.status_code == ok
        return True
    assert response.status_code == 403
    return False


@pytest.mark.parametrize("who", PEOPLE)
def test_the_queue_is_for_the_national_admin_and_oversight(client, people, citizen, agency, who):
    submitted(citizen, title="Sampah menumpuk di pinggir sungai", agency_id=agency.pk)
    sign_in(client, people[who])
    response = client.get(QUEUE)
    shown = _refused_or(who, response, {"national_admin", "oversight"})
    assert ("Sampah menumpuk" in response.content.decode()) is shown
    if shown:
        # Only the national admin gets the one-click disposition; oversight reads.
        assert (action_forms(response) == ["dispose"]) is (who == "national_admin")
        assert "Reporter's choice: Kementerian Pekerjaan Umum" in text(response)


@pytest.mark.parametrize("who", PEOPLE)
def test_the_inbox_is_for_staff_and_shows_only_their_reports(client, people, citizen, agency, who):
    disposed(citizen, admin=people["national_admin"], agency=agency, title="Lampu jalan mati")
    sign_in(client, people[who])
    response = client.get(INBOX)
    allowed = {
        "national_admin",
        "agency_admin",
        "other_agency_admin",
        "unit_officer",
        "oversight",
        "ksp",  # an inbox of the priority programmes' reports; this one has none
    }
    shown = _refused_or(who, response, allowed)
    sees_it = who in {"national_admin", "agency_admin", "oversight"}
    assert ("Lampu jalan mati" in response.content.decode()) is (shown and sees_it)
    if shown:
        # Bulk assignment is the agency admin's (forwarding is theirs alone).
        assert ("Assign the ticked reports" in text(response)) is (who == "agency_admin")


# who → (status code, actions offered) on a report disposed to ``agency``
REPORT_PAGE = {
    "citizen": (403, None),
    "national_admin": (200, ["set_flags", "merge", "redact", "set_programmes", "comment"]),
    "agency_admin": (200, ["accept", "return", "forward", "extend", "respond", "comment"]),
    "other_agency_admin": (404, None),
    "unit_officer": (404, None),  # the report sits with the agency above the unit
    "oversight": (200, []),
    "ksp": (404, None),  # not tagged with a priority programme
}


@pytest.mark.parametrize("who", PEOPLE)
def test_the_staff_report_page(client, people, citizen, agency, who):
    report = disposed(citizen, admin=people["national_admin"], agency=agency)
    url = reverse("web:staff_report", args=[report.tracking_id])
    sign_in(client, people[who])
    response = client.get(url)
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        return
    status, actions = REPORT_PAGE[who]
    assert response.status_code == status
    if status != 200:
        assert report.title not in response.content.decode()
        return
    assert report.title in response.content.decode()
    assert action_forms(response) == actions, action_forms(response)
    if who == "oversight":
        assert "Oversight reads every report; it does not act on them." in text(response)


def test_a_unit_officer_sees_the_report_once_it_is_with_the_unit(client, people, citizen, agency):
    report = disposed(citizen, admin=people["national_admin"], agency=agency)
    unit = people["unit_officer"].agency
    wf.report_forward(report=report, actor=people["agency_admin"], agency_id=unit.pk)
    sign_in(client, people["unit_officer"])
    response = client.get(reverse("web:staff_report", args=[report.tracking_id]))
    assert response.status_code == 200
    assert action_forms(response) == ["accept", "respond", "comment"]
    inbox = client.get(INBOX)
    assert report.title in inbox.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("citizen", 403),
        ("oversight", 403),
        ("other_agency_admin", 404),
        ("unit_officer", 404),
    ],
)
def test_who_may_not_act_changes_nothing(client, people, citizen, agency, who, status):
    report = disposed(citizen, admin=people["national_admin"], agency=agency)
    events = ReportEvent.objects.filter(report=report).count()
    sign_in(client, people[who])
    response = client.post(
        reverse("web:staff_report", args=[report.tracking_id]), {"action": "accept"}
    )
    assert response.status_code == status
    report.refresh_from_db()
    assert report.status == Status.DISPOSITIONED
    assert ReportEvent.objects.filter(report=report).count() == events
    if who == "oversight":
        assert "You are not allowed to do this." in text(response)


def test_anonymous_posts_are_sent_to_sign_in(client, people, citizen, agency):
    report = disposed(citizen, admin=people["national_admin"], agency=agency)
    response = client.post(
        reverse("web:staff_report", args=[report.tracking_id]), {"action": "accept"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    report.refresh_from_db()
    assert report.status == Status.DISPOSITIONED


def test_a_missing_report_is_the_same_404(client, people):
    sign_in(client, people["national_admin"])
    assert client.get(reverse("web:staff_report", args=["23456789AB"])).status_code == 404
    assert client.get(reverse("web:staff_report", args=["not-an-id"])).status_code == 404


def test_an_unknown_action_is_refused(client, people, citizen, agency):
    report = disposed(citizen, admin=people["national_admin"], agency=agency)
    sign_in(client, people["agency_admin"])
    url = reverse("web:staff_report", args=[report.tracking_id])
    for action in ("explode", "answer", "auto_close", ""):
        response = client.post(url, {"action": action})
        assert response.status_code == 400
        assert "Unknown action." in text(response)


def test_header_links_follow_the_role(client, people):
    expected = {
        "citizen": set(),
        "national_admin": {"staff_queue", "staff_inbox", "day_offs"},
        "agency_admin": {"staff_inbox"},
        "unit_officer": {"staff_inbox"},
        "oversight": {"staff_inbox"},
    }
    urls = {
        "staff_queue": QUEUE,
        "staff_inbox": INBOX,
        "day_offs": reverse("sla:day_offs"),
    }
    for who, links in expected.items():
        client.logout()
        sign_in(client, people[who])
        html = client.get(reverse("web:home")).content.decode()
        for name, url in urls.items():
            assert (f'href="{url}"' in html) is (name in links), (who, name)
        assert f'href="{reverse("notifications:list")}"' in html
    client.logout()
    html = client.get(reverse("web:home")).content.decode()
    assert reverse("notifications:list") not in html


def test_the_ksp_overseer_reads_the_programmes_reports_and_acts_on_none(
    client, people, citizen, agency
):
    """A report tagged by the desk is in the KSP's inbox and opens read-only, with its
    programmes; the same report untagged is a 404 and out of the inbox."""
    programme = ProgrammeFactory(name="Makan Bergizi Gratis")
    tagged = disposed(
        citizen, admin=people["national_admin"], agency=agency, title="Makanan MBG basi di sekolah"
    )
    wf.report_set_programmes(
        report=tagged, actor=people["national_admin"], programme_ids=[programme.pk]
    )
    untagged = disposed(
        citizen, admin=people["national_admin"], agency=agency, title="Lampu jalan padam seminggu"
    )
    sign_in(client, people["ksp"])
    inbox = client.get(INBOX).content.decode()
    assert "Reports of the priority programmes" in inbox
    assert "Makanan MBG basi" in inbox
    assert "Lampu jalan padam" not in inbox
    response = client.get(reverse("web:staff_report", args=[tagged.tracking_id]))
    assert response.status_code == 200
    assert action_forms(response) == []
    assert "Makan Bergizi Gratis" in text(response)
    assert "The priority programmes' overseers read these reports" in text(response)
    page = reverse("web:staff_report", args=[untagged.tracking_id])
    assert client.get(page).status_code == 404
    # A forged action is refused like any reader's: nothing changes.
    response = client.post(
        reverse("web:staff_report", args=[tagged.tracking_id]),
        {"action": "set_programmes", "programme_ids": []},
    )
    assert response.status_code == 403
    assert tagged.programme_tags.count() == 1
