"""The webhook end to end: signed payloads in, reports and X API calls (to the fake X) out."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json

import pytest
import time_machine
from django.utils import timezone
from PIL import Image

from aduan.accounts.tests.factories import NationalAdminFactory
from aduan.agencies.tests.factories import AgencyFactory
from aduan.channels.models import ChannelIdentity, InboundMessage, InboundStatus
from aduan.notifications.delivery import notifications_deliver_pending
from aduan.notifications.models import Notification, NotificationState
from aduan.reports.models import Attachment, Channel, Classification, Report, ReportEvent, Status
from aduan.reports.selectors import event_list_for_user
from aduan.workflow import services as wf

from .conftest import ACCESS_TOKEN, ACCOUNT_ID, SITE_URL, URL, payload, payload_bytes, post, sign
from .fake_x import HANG_UP

pytestmark = pytest.mark.django_db

MENTION_ID = "1896780123456789012"
MENTION_AUTHOR = "1234567890123456789"
DM_AUTHOR = "3334445556667778889"


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (64, 48), (180, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMakerSecret"  # Make
    exif[0x0110] = "Model-Serial-0042"  # Model
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


# --- CRC and signatures -------------------------------------------------------------------


def test_crc_is_answered_with_the_hmac_of_the_token(client, fake_x):
    response = client.get(URL, {"crc_token": "Y3JjLXRva2VuLTEyMzQ"})
    assert response.status_code == 200
    assert response.json() == {"response_token": sign(b"Y3JjLXRva2VuLTEyMzQ")}


def test_crc_without_a_token_is_a_bad_request(client, fake_x):
    assert client.get(URL).status_code == 400
    assert client.get(URL, {"crc_token": "x" * 256}).status_code == 400


def _forged_dm_batch() -> str:
    event = {
        "type": "message_create",
        "id": "1900000000000000001",
        "message_create": {
            "sender_id": "777",
            "target": {"recipient_id": ACCOUNT_ID},
            "message_data": {"text": "Jalan di depan rumah saya rusak parah sejak bulan lalu."},
        },
    }
    return json.dumps(
        {"for_user_id": ACCOUNT_ID, "direct_message_events": [event]}, separators=(",", ":")
    )


@pytest.mark.parametrize(
    "encode",
    [
        lambda b: b,
        lambda b: " \n" + b,
        lambda b: "\ufeff" + b,
        lambda b: b.encode("utf-16-be").decode("latin-1"),
        lambda b: b.encode("utf-16-le").decode("latin-1"),
    ],
    ids=["plain", "whitespace", "bom", "utf-16-be", "utf-16-le"],
)
def test_the_crc_answer_is_never_a_signature_for_a_batch(client, fake_x, encode):
    """The CRC answer and a POST's signature are the same HMAC: answering a CRC for a JSON
    batch would let anyone sign that batch (found in review; see signature.py)."""
    token = encode(_forged_dm_batch())
    crc = client.get(URL, {"crc_token": token})
    if crc.status_code == 200:
        post(client, token.encode(), signature=crc.json()["response_token"])
    assert crc.status_code == 400
    assert not Report.objects.exists()
    assert not InboundMessage.objects.exists()


def test_an_unconfigured_channel_does_not_exist(client, fake_x, settings):
    settings.ADUAN_X_CONSUMER_SECRET = ""
    assert client.get(URL, {"crc_token": "abc"}).status_code == 404
    assert post(client, payload_bytes("mention.json", fake_x)).status_code == 404
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "sha256=",
        "sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "wrong-scheme",
    ],
)
def test_a_post_without_a_valid_signature_is_refused_and_stores_nothing(
    client, fake_x, signature, caplog
):
    response = post(client, payload_bytes("mention.json", fake_x), signature=signature)
    assert response.status_code == 403
    assert not InboundMessage.objects.exists()
    assert not Report.objects.exists()
    assert not ChannelIdentity.objects.exists()
    assert "signature" in caplog.text


def test_a_signature_made_with_another_secret_or_over_another_body_is_refused(client, fake_x):
    body = payload_bytes("mention.json", fake_x)
    assert post(client, body, signature=sign(body, "someone-elses-secret")).status_code == 403
    tampered = body.replace(b"Jalan rusak", b"Jalan mulus")
    assert post(client, tampered, signature=sign(body)).status_code == 403
    assert not Report.objects.exists()


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe"])
def test_a_signed_body_that_is_not_a_json_object_is_a_bad_request(client, fake_x, body):
    response = post(client, body)
    assert response.status_code == 400
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("opener", [b"[", b'{"a":'])
def test_a_signed_body_nested_past_the_recursion_limit_is_a_bad_request(client, fake_x, opener):
    response = post(client, opener * 100_000)
    assert response.status_code == 400
    assert not InboundMessage.objects.exists()


def test_only_get_and_post(client, fake_x):
    assert client.put(URL, data=b"{}").status_code == 405


# --- Mentions and DMs ---------------------------------------------------------------------


def test_a_mention_becomes_a_public_report_answered_under_the_tweet(client, fake_x, deliver):
    response = deliver(client, payload_bytes("mention.json", fake_x))
    assert response.status_code == 200
    assert response.json()["accepted"] == 1

    report = Report.objects.get()
    assert report.channel == Channel.X
    assert report.classification == Classification.COMPLAINT
    assert report.status == Status.SUBMITTED
    assert not report.anonymous
    assert not report.confidential
    assert "@lapor1708" not in report.body
    assert report.body.startswith("Jalan rusak parah di Jl. Soekarno-Hatta km 4 Bandung")
    assert "&amp;" not in report.body
    assert "3 bulan & sudah" in report.body
    assert 10 <= len(report.title) <= 100
    assert report.title.startswith("Jalan rusak parah")

    identity = ChannelIdentity.objects.get(channel="x", address=MENTION_AUTHOR)
    assert identity.user == report.reporter
    assert identity.handle == "@warga_bandung"
    assert identity.verified_at is not None
    assert report.reporter.full_name == "@warga_bandung"
    assert not report.reporter.has_usable_password()

    message = InboundMessage.objects.get(external_id=f"tweet:{MENTION_ID}")
    assert message.status == InboundStatus.ACCEPTED
    assert message.report == report

    link = f"{SITE_URL}/lacak/{report.tracking_id}/"
    assert fake_x.tweets == [{"text": message.reply, "reply": {"in_reply_to_tweet_id": MENTION_ID}}]
    assert message.reply.endswith(link)
    assert report.tracking_id in message.reply
    assert len(message.reply) <= 280
    assert "Soekarno" not in message.reply  # nothing of the report's text
    request = fake_x.sent("/2/tweets")[0]
    assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    row = Notification.objects.get(channel="x")
    assert row.state == NotificationState.SENT
    assert row.recipient == report.reporter


def test_a_long_tweet_is_read_whole_and_its_reply_prefix_dropped(client, fake_x, deliver):
    deliver(client, payload_bytes("mention_extended.json", fake_x))
    report = Report.objects.get()
    assert report.body.startswith("Lampu penerangan jalan di sepanjang Jl. Dipatiukur")
    assert report.body.endswith("Mohon ditindaklanjuti.")
    assert "@budi_s" not in report.body
    assert "https://t.co" not in report.body
    assert len(report.title) <= 100
    assert report.title.endswith("…")


def test_a_direct_message_becomes_an_anonymous_report_answered_by_dm(client, fake_x, deliver):
    response = deliver(client, payload_bytes("dm.json", fake_x))
    assert response.json()["accepted"] == 1
    report = Report.objects.get()
    assert report.anonymous
    assert report.title == "Pungutan liar di kantor kelurahan Sukajadi"
    assert "Rp50.000" in report.body
    assert ChannelIdentity.objects.get(channel="x", address=DM_AUTHOR).handle == "@warga_sukajadi"
    assert fake_x.tweets == []
    [(participant, body)] = fake_x.dms
    assert participant == DM_AUTHOR
    assert body["text"].endswith(f"{SITE_URL}/lacak/{report.tracking_id}/")
    assert "Sukajadi" not in body["text"]


def test_retweets_our_own_tweets_and_dms_and_other_tweets_are_ignored(
    client, fake_x, deliver, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = deliver(client, payload_bytes("noise.json", fake_x))
    assert response.status_code == 200
    assert response.json()["ignored"] == 4
    assert response.json()["accepted"] == 0
    assert not InboundMessage.objects.exists()
    assert not Report.objects.exists()
    assert fake_x.requests == []


def test_a_batch_for_another_account_is_ignored(client, fake_x, deliver):
    data = payload("mention.json", fake_x)
    data["for_user_id"] = "42"
    assert deliver(client, data).json()["ignored"] == 1
    assert not Report.objects.exists()


def test_a_replayed_batch_makes_one_report_and_one_reply(client, fake_x, deliver):
    body = payload_bytes("mention.json", fake_x)
    assert deliver(client, body).json()["accepted"] == 1
    assert deliver(client, body).json()["repeated"] == 1
    assert Report.objects.count() == 1
    assert InboundMessage.objects.count() == 1
    assert len(fake_x.tweets) == 1


def test_the_same_dm_in_two_batches_is_one_report(client, fake_x, deliver):
    first = payload("dm.json", fake_x)
    deliver(client, first)
    both = payload("dm_photo.json", fake_x)
    both["direct_message_events"] += first["direct_message_events"]
    fake_x.serve_media(
        "/1.1/ton/data/dm/1897300000000000002/1897300000000000999/KuItAnSi.jpg", jpeg_with_exif()
    )
    counts = deliver(client, both).json()
    assert (counts["accepted"], counts["repeated"]) == (1, 1)
    assert Report.objects.count() == 2


def test_a_short_mention_gets_an_explanation_and_no_report(client, fake_x, deliver):
    response = deliver(client, payload_bytes("mention_short.json", fake_x))
    assert response.json()["rejected"] == 1
    assert not Report.objects.exists()
    assert not ChannelIdentity.objects.exists()  # no account for a refused message
    message = InboundMessage.objects.get()
    assert message.status == InboundStatus.REJECTED
    assert message.report is None
    [tweet] = fake_x.tweets
    assert tweet["reply"] == {"in_reply_to_tweet_id": "1897170000000000001"}
    assert tweet["text"] == message.reply
    assert "30" in message.reply  # says how much is needed
    assert len(message.reply) <= 280
    assert not Notification.objects.exists()


def test_a_short_reply_to_one_of_our_tweets_is_not_answered(client, fake_x, deliver):
    response = deliver(client, payload_bytes("reply_thanks.json", fake_x))
    assert response.json()["ignored"] == 1
    assert InboundMessage.objects.get().status == InboundStatus.IGNORED
    assert fake_x.requests == []


def test_a_flood_from_one_account_is_refused_past_the_rate(client, fake_x, deliver, settings):
    settings.ADUAN_SUBMIT_RATE_USER = "1/h"
    deliver(client, payload_bytes("mention.json", fake_x))
    second = payload("mention.json", fake_x)
    second["tweet_create_events"][0]["id_str"] = "1896780123456789999"
    assert deliver(client, second).json()["rejected"] == 1
    assert Report.objects.count() == 1
    assert len(fake_x.tweets) == 2  # the receipt, and the refusal


@pytest.mark.parametrize("bad", ["\u0000", "\ud800"], ids=["nul", "lone-surrogate"])
def test_a_character_no_database_stores_spoils_neither_its_dm_nor_the_next(
    client, fake_x, deliver, bad
):
    """NUL (PostgreSQL refuses it) and a lone surrogate (no driver encodes it), as X's JSON
    can carry them: in the text and in the sender's screen name."""
    batch = payload("dm.json", fake_x)
    [event] = batch["direct_message_events"]
    first, second = copy.deepcopy(event), copy.deepcopy(event)
    first["id"], second["id"] = "1897300000000000001", "1897300000000000002"
    first["message_create"]["sender_id"], second["message_create"]["sender_id"] = "777", "778"
    data = first["message_create"]["message_data"]
    data["text"] = data["text"].replace("kelurahan", f"kelu{bad}rahan")
    batch["direct_message_events"] = [first, second]
    batch["users"]["777"] = {"id": "777", "screen_name": f"warga{bad}_sukajadi"}
    batch["users"]["778"] = {"id": "778", "screen_name": "warga_lain"}
    response = deliver(client, batch)
    assert response.status_code == 200
    assert response.json()["accepted"] == 2
    assert Report.objects.count() == 2
    assert not InboundMessage.objects.filter(status=InboundStatus.FAILED).exists()
    report = Report.objects.get(reporter__channel_identities__address="777")
    assert bad not in report.body
    assert "kelu" in report.body
    handle = ChannelIdentity.objects.get(channel="x", address="777").handle
    assert handle.startswith("@warga")
    assert bad not in handle
    assert len(fake_x.dms) == 2  # both answered


# --- Media -------------------------------------------------------------------------------


def test_photos_become_attachments_without_their_exif(client, fake_x, deliver):
    original = jpeg_with_exif()
    assert b"PhoneMakerSecret" in original
    fake_x.serve_media("/media/GlSampahKali.jpg", original)
    fake_x.serve_media("/media/GlSampahKali2.jpg", jpeg_with_exif())
    deliver(client, payload_bytes("mention_photo.json", fake_x))
    report = Report.objects.get()
    assert "https://t.co" not in report.body
    attachments = list(Attachment.objects.filter(report=report))
    assert len(attachments) == 2
    for attachment in attachments:
        assert attachment.content_type == "image/jpeg"
        with attachment.file.open("rb") as stored:
            data = stored.read()
        assert b"PhoneMakerSecret" not in data
        assert b"Model-Serial" not in data
        assert not dict(Image.open(io.BytesIO(data)).getexif())
    message = InboundMessage.objects.get()
    assert "could not be accepted" not in message.reply


def test_a_dm_attachment_is_fetched_with_the_token(client, fake_x, deliver):
    path = "/1.1/ton/data/dm/1897300000000000002/1897300000000000999/KuItAnSi.jpg"
    fake_x.serve_media(path, jpeg_with_exif())
    deliver(client, payload_bytes("dm_photo.json", fake_x))
    report = Report.objects.get()
    assert report.attachments.count() == 1
    assert "https://t.co" not in report.body
    download = next(r for r in fake_x.requests if r.path == path)
    assert download.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"


def test_unsupported_oversize_missing_or_foreign_media_still_make_the_report(
    client, fake_x, deliver, settings
):
    settings.ADUAN_ATTACHMENT_MAX_BYTES = 20_000
    data = payload("mention_photo.json", fake_x)
    media = data["tweet_create_events"][0]["extended_entities"]["media"]
    fake_x.serve_media("/media/GlSampahKali.jpg", b"\x89PNG-not-really" + b"\0" * 100)
    big = Image.new("RGB", (800, 800))
    buffer = io.BytesIO()
    big.save(buffer, "PNG", compress_level=0)
    fake_x.serve_media("/media/GlSampahKali2.jpg", buffer.getvalue(), "image/png")
    media.append({**media[0], "media_url_https": "https://evil.example.org/media/x.jpg"})
    media.append({**media[0], "media_url_https": fake_x.base_url + "/media/missing.jpg"})
    deliver(client, data)
    report = Report.objects.get()
    assert report.attachments.count() == 0
    message = InboundMessage.objects.get()
    assert message.reply.startswith("4 ")
    assert message.reply.endswith(f"/lacak/{report.tracking_id}/")
    assert len(message.reply) <= 280
    assert not any("evil" in r.path for r in fake_x.requests)
    assert [r.body["text"] for r in fake_x.sent()] == [message.reply]


def test_a_video_is_downloaded_in_its_best_mp4_variant(client, fake_x, deliver):
    deliver(client, payload_bytes("mention_extended.json", fake_x))
    paths = [r.path for r in fake_x.requests if r.method == "GET"]
    assert paths == ["/ext_tw_video/1897123400000000001/pu/vid/640x360/lampu.mp4?tag=12"]
    # The fake X has no such file (404): the report is made and the reply says so.
    assert InboundMessage.objects.get().reply.startswith("1 ")


# --- Deleted tweets -------------------------------------------------------------------------


def test_a_deleted_tweet_leaves_the_report_and_a_note_only_staff_read(client, fake_x, deliver):
    deliver(client, payload_bytes("mention.json", fake_x))
    report = Report.objects.get()
    response = deliver(client, payload_bytes("tweet_delete.json", fake_x))
    assert response.json()["accepted"] == 1
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    note = ReportEvent.objects.get(report=report, action="note")
    assert not note.is_public
    assert note.actor is None
    assert "deleted" in note.note or "dihapus" in note.note
    assert note not in event_list_for_user(user=report.reporter, report=report)
    admin = NationalAdminFactory()
    assert note in event_list_for_user(user=admin, report=report)
    page = client.get(f"/lacak/{report.tracking_id}/").content.decode()
    assert note.note not in page
    origin = InboundMessage.objects.get(external_id=f"tweet:{MENTION_ID}")
    assert origin.detail.startswith("deleted on X")
    assert origin.report == report

    assert deliver(client, payload_bytes("tweet_delete.json", fake_x)).json()["repeated"] == 1
    assert ReportEvent.objects.filter(report=report, action="note").count() == 1
    assert len(fake_x.sent()) == 1  # the receipt only: a deletion is not answered


def test_a_deletion_by_someone_else_or_of_an_unknown_tweet_changes_nothing(client, fake_x, deliver):
    deliver(client, payload_bytes("mention.json", fake_x))
    forged = payload("tweet_delete.json", fake_x)
    forged["tweet_delete_events"][0]["status"]["user_id"] = "9998887776665554443"
    assert deliver(client, forged).json()["ignored"] == 1
    unknown = payload("tweet_delete.json", fake_x)
    unknown["tweet_delete_events"][0]["status"]["id"] = "1111111111111111111"
    assert deliver(client, unknown).json()["ignored"] == 1
    assert not ReportEvent.objects.filter(action="note").exists()


# --- Replies through the outbox -------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 429, 503])
def test_a_failed_reply_is_retried_later_and_sent_once(client, fake_x, deliver, status):
    fake_x.fail_next("/2/tweets", status)
    deliver(client, payload_bytes("mention.json", fake_x))
    row = Notification.objects.get(channel="x")
    assert row.state == NotificationState.PENDING
    assert row.attempts == 1
    assert str(status) in row.last_error
    assert fake_x.tweets == []
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        assert notifications_deliver_pending()["sent"] == 1
        assert notifications_deliver_pending().get("sent", 0) == 0
    row.refresh_from_db()
    assert row.state == NotificationState.SENT
    assert len(fake_x.tweets) == 1


def test_a_reply_x_refuses_for_good_is_skipped_not_retried(client, fake_x, deliver):
    fake_x.fail_next("/2/dm_conversations/", 403)  # DMs closed
    deliver(client, payload_bytes("dm.json", fake_x))
    row = Notification.objects.get(channel="x")
    assert row.state == NotificationState.SKIPPED
    assert "403" in row.last_error
    assert Report.objects.count() == 1


def test_a_reply_without_an_answer_from_x_is_uncertain_and_never_posted_twice(
    client, fake_x, deliver
):
    """X took the POST and hung up: the DM may be out. Uncertain, not retried."""
    fake_x.fail_next("/2/dm_conversations/", HANG_UP)
    deliver(client, payload_bytes("dm.json", fake_x))
    row = Notification.objects.get(channel="x")
    assert (row.state, row.attempts) == (NotificationState.UNCERTAIN, 1)
    assert row.last_error.startswith("delivery uncertain: no answer from the X API")
    with time_machine.travel(timezone.now() + dt.timedelta(hours=13)):
        assert notifications_deliver_pending().get("sent", 0) == 0
    assert len(fake_x.sent("/2/dm_conversations/")) == 0
    assert len([r for r in fake_x.requests if r.path.startswith("/2/dm_")]) == 1


def test_a_reply_when_x_is_down_is_a_clean_retry(client, fake_x, deliver, settings):
    """Nothing listens at the API address: provably not sent, so tried again later."""
    from aduan.channels.sms.tests.kannel import free_port

    settings.ADUAN_X_API_BASE_URL = f"http://127.0.0.1:{free_port()}"
    deliver(client, payload_bytes("dm.json", fake_x))
    row = Notification.objects.get(channel="x")
    assert (row.state, row.attempts) == (NotificationState.PENDING, 1)
    assert "X API unreachable" in row.last_error


def test_a_later_status_change_reaches_the_x_reporter_under_the_tweet(
    client, fake_x, deliver, django_capture_on_commit_callbacks
):
    deliver(client, payload_bytes("mention.json", fake_x))
    report = Report.objects.get()
    admin = NationalAdminFactory()
    agency = AgencyFactory()
    with django_capture_on_commit_callbacks(execute=True):
        wf.report_dispose(report=report, actor=admin, agency_id=agency.pk)
    tweets = fake_x.tweets
    assert len(tweets) == 2
    update = tweets[1]
    assert update["reply"] == {"in_reply_to_tweet_id": MENTION_ID}
    assert report.tracking_id in update["text"]
    assert update["text"].endswith(f"{SITE_URL}/lacak/{report.tracking_id}/")
    assert agency.name not in update["text"]
    assert len(update["text"]) <= 280


def test_a_status_change_of_a_report_made_confidential_goes_by_dm(
    client, fake_x, deliver, django_capture_on_commit_callbacks
):
    deliver(client, payload_bytes("mention.json", fake_x))
    report = Report.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        wf.report_dispose(
            report=report,
            actor=NationalAdminFactory(),
            agency_id=AgencyFactory().pk,
            confidential=True,
        )
    assert len(fake_x.tweets) == 1  # only the first receipt went in public
    [(participant, body)] = fake_x.dms
    assert participant == MENTION_AUTHOR
    assert report.tracking_id in body["text"]


def test_a_dm_reporter_hears_of_status_changes_by_dm(
    client, fake_x, deliver, django_capture_on_commit_callbacks
):
    deliver(client, payload_bytes("dm.json", fake_x))
    report = Report.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        wf.report_dispose(report=report, actor=NationalAdminFactory(), agency_id=AgencyFactory().pk)
    assert [participant for participant, _body in fake_x.dms] == [DM_AUTHOR, DM_AUTHOR]
    assert fake_x.tweets == []


def test_without_an_access_token_nothing_is_written_for_x(
    client, fake_x, deliver, settings, django_capture_on_commit_callbacks
):
    deliver(client, payload_bytes("mention.json", fake_x))
    settings.ADUAN_X_ACCESS_TOKEN = ""
    report = Report.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        wf.report_dispose(report=report, actor=NationalAdminFactory(), agency_id=AgencyFactory().pk)
    assert Notification.objects.filter(channel="x").count() == 1  # the receipt only
    assert len(fake_x.tweets) == 1


def test_the_account_id_is_the_identity_not_the_handle(client, fake_x, deliver):
    deliver(client, payload_bytes("mention.json", fake_x))
    renamed = payload("mention.json", fake_x)
    event = renamed["tweet_create_events"][0]
    event["id_str"] = "1896780123456780000"
    event["user"]["screen_name"] = "warga_bdg_baru"
    deliver(client, renamed)
    reports = list(Report.objects.order_by("id"))
    assert len(reports) == 2
    assert reports[0].reporter == reports[1].reporter
    identity = ChannelIdentity.objects.get(channel="x")
    assert identity.handle == "@warga_bdg_baru"
    assert identity.address == MENTION_AUTHOR
    assert ACCOUNT_ID not in {i.address for i in ChannelIdentity.objects.all()}
