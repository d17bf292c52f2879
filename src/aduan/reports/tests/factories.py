import factory

from aduan.accounts.tests.factories import UserFactory
from aduan.agencies.tests.factories import AgencyFactory
from aduan.reports.models import (
    Attachment,
    Channel,
    Classification,
    EventAction,
    Report,
    ReportEvent,
    Status,
)


class ReportFactory(factory.django.DjangoModelFactory):
    """A report as stored; use ``report_submit`` in tests of submission itself."""

    class Meta:
        model = Report
        skip_postgeneration_save = True

    classification = Classification.COMPLAINT
    title = factory.Sequence(lambda n: f"Jalan rusak di desa nomor {n}")
    body = "Jalan di depan sekolah rusak parah sejak tiga bulan lalu dan belum diperbaiki."
    channel = Channel.WEB
    reporter = factory.SubFactory(UserFactory)
    status = Status.SUBMITTED

    class Params:
        # Verified by the national desk and sent to an agency: what the public may see.
        verified = factory.Trait(
            status=Status.DISPOSITIONED,
            agency=factory.SubFactory(AgencyFactory),
            disposed_agency=factory.SelfAttribute("agency"),
        )

    @factory.post_generation
    def submitted_event(obj, create, extracted, **kwargs):
        if create:
            ReportEvent.objects.create(
                report=obj,
                actor=obj.reporter,
                actor_role=obj.reporter.role,
                action=EventAction.SUBMITTED,
                to_status=obj.status,
            )


class ReportEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportEvent

    report = factory.SubFactory(ReportFactory)
    action = EventAction.SUBMITTED


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attachment

    report = factory.SubFactory(ReportFactory)
    file = factory.django.FileField(filename="bukti.pdf", data=b"%PDF-1.4\n%%EOF\n")
    original_name = "bukti.pdf"
    content_type = "application/pdf"
    size = 15
    sha256 = "0" * 64
