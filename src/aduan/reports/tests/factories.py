import io

import factory
import pikepdf

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


def pdf_bytes(
    *,
    pages: int = 1,
    author: str | None = None,
    xmp_author: str | None = None,
    javascript: bool = False,
    open_action_js: bool = False,
    launch: bool = False,
    embedded_file: bool = False,
    file_attachment_annotation: bool = False,
    encrypted: str | None = None,
) -> bytes:
    """A real PDF made with pikepdf, with what a test needs in it: ``author`` in the
    document information, ``xmp_author`` in the XMP packet, a ``javascript`` name tree,
    ``open_action_js``, a ``launch`` action, an ``embedded_file``, a
    ``file_attachment_annotation``; ``encrypted`` is the user password ('' opens
    without one, yet the file is encrypted)."""
    pdf = pikepdf.new()
    for number in range(pages):
        page = pdf.add_blank_page(page_size=(595, 842))
        text = f"BT /F1 12 Tf 72 770 Td (Bukti halaman {number + 1}) Tj ET".encode()
        page.Contents = pdf.make_stream(text)
        page.Resources = pikepdf.Dictionary(
            Font=pikepdf.Dictionary(
                F1=pikepdf.Dictionary(
                    Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont="/Helvetica"
                )
            )
        )
    if author is not None:
        pdf.docinfo["/Author"] = author
        pdf.docinfo["/Creator"] = "Microsoft Word"
    if xmp_author is not None:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:creator"] = [xmp_author]
    script = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    if javascript:
        pdf.Root.Names = pikepdf.Dictionary(
            JavaScript=pikepdf.Dictionary(Names=pikepdf.Array(["mulai", pdf.make_indirect(script)]))
        )
    if open_action_js:
        pdf.Root.OpenAction = script
    if launch:
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))
    if embedded_file:
        pdf.attachments["data.txt"] = pikepdf.AttachedFileSpec(pdf, b"isi rahasia")
    if file_attachment_annotation:
        spec = pikepdf.AttachedFileSpec(pdf, b"isi rahasia", filename="data.txt")
        pdf.pages[0].Annots = pdf.make_indirect(
            pikepdf.Array(
                [
                    pikepdf.Dictionary(
                        Type=pikepdf.Name.Annot,
                        Subtype=pikepdf.Name.FileAttachment,
                        Rect=[72, 700, 90, 718],
                        FS=spec.obj,
                    )
                ]
            )
        )
    out = io.BytesIO()
    if encrypted is not None:
        pdf.save(out, encryption=pikepdf.Encryption(owner="pemilik", user=encrypted))
    else:
        pdf.save(out, deterministic_id=True)  # the same arguments give the same bytes
    return out.getvalue()


PDF_BYTES = pdf_bytes()


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
    file = factory.django.FileField(filename="bukti.pdf", data=PDF_BYTES)
    original_name = "bukti.pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    sha256 = "0" * 64
