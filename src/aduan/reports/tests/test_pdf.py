"""PDFs: parsed by a real parser, refused when active or unreadable, stored rewritten
without the author's name."""

from __future__ import annotations

import hashlib
import io

import pikepdf
import pytest
from django.core.files.storage import default_storage
from django.utils import translation

from aduan.core.errors import ValidationFailed
from aduan.reports.attachments import attachment_store, prepare_upload
from aduan.reports.tests.factories import ReportFactory, pdf_bytes

AUTHOR = "Siti Rahmawati"
EMBEDDED = (
    "the PDF file contains embedded files, which are not accepted; send each file separately."
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def refusal(data: bytes, name: str = "dokumen.pdf") -> str:
    with pytest.raises(ValidationFailed) as exc:
        prepare_upload(name=name, chunks=[data])
    [message] = exc.value.field_errors["file"]
    return message


def assert_no_metadata(data: bytes) -> None:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert "/Info" not in pdf.trailer
        assert "/Metadata" not in pdf.Root
        assert pdf.docinfo.keys() == set()
        with pdf.open_metadata() as meta:
            assert "dc:creator" not in meta
    assert AUTHOR.encode() not in data
    assert b"Microsoft Word" not in data


def test_the_authors_name_is_stripped_from_the_information_and_the_xmp():
    original = pdf_bytes(author=AUTHOR, xmp_author=AUTHOR, pages=2)
    with pikepdf.open(io.BytesIO(original)) as pdf:  # the helper made what it says
        assert str(pdf.docinfo["/Author"]) == AUTHOR
        assert "/Metadata" in pdf.Root
    prepared = prepare_upload(name="surat.pdf", chunks=[original])
    assert prepared.content_type == "application/pdf"
    assert prepared.data != original
    assert_no_metadata(prepared.data)
    with pikepdf.open(io.BytesIO(prepared.data)) as pdf:
        assert len(pdf.pages) == 2  # the document itself is kept


@pytest.mark.django_db
def test_the_rewritten_bytes_are_what_is_stored_with_their_size_and_hash():
    report = ReportFactory()
    original = pdf_bytes(author=AUTHOR, xmp_author=AUTHOR)
    prepared = prepare_upload(name="surat.pdf", chunks=[original])
    attachment = attachment_store(report=report, prepared=prepared, actor=report.reporter)
    attachment.refresh_from_db()
    with default_storage.open(attachment.file.name) as stored:
        data = stored.read()
    assert_no_metadata(data)
    assert attachment.size == len(data) != len(original)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"javascript": True}, "the PDF file contains JavaScript, which is not accepted."),
        ({"open_action_js": True}, "the PDF file contains JavaScript, which is not accepted."),
        (
            {"launch": True},
            "the PDF file contains an action that starts a program, which is not accepted.",
        ),
        (
            {"embedded_file": True},
            EMBEDDED,
        ),
        (
            {"file_attachment_annotation": True},
            EMBEDDED,
        ),
        (
            {"encrypted": "rahasia"},
            "the PDF file is encrypted or password-protected; send it without a password.",
        ),
        (
            {"encrypted": ""},  # opens without a password, but we cannot inspect it as is
            "the PDF file is encrypted or password-protected; send it without a password.",
        ),
    ],
    ids=["js-name-tree", "open-action-js", "launch", "embedded", "attachment-annot", "pw", "rc4"],
)
def test_active_or_encrypted_pdfs_are_refused_naming_the_file_once(kwargs, problem):
    message = refusal(pdf_bytes(**kwargs))
    assert message == f"dokumen.pdf: {problem}"
    assert message.count("dokumen.pdf") == 1


def test_javascript_hidden_in_a_pages_additional_actions_is_refused():
    pdf = pikepdf.open(io.BytesIO(pdf_bytes()))
    pdf.pages[0].AA = pikepdf.Dictionary(
        O=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pdf.make_stream(b"app.alert(1)"))
    )
    out = io.BytesIO()
    pdf.save(out)
    assert "JavaScript" in refusal(out.getvalue())


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"%PDF-1.7\n<html><body><script>alert(1)</script></body></html>\n", id="html"),
        pytest.param(b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", id="only-the-markers"),
        pytest.param(pdf_bytes()[:300], id="truncated"),
        pytest.param(b"%PDF-1.4\n" + bytes(5000) + b"\n%%EOF\n", id="zeros"),
    ],
)
def test_what_does_not_parse_as_a_pdf_is_refused(data):
    assert refusal(data) == "dokumen.pdf: the PDF file is damaged or cannot be read."


def test_html_renamed_pdf_is_refused_for_what_it_is():
    html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    message = refusal(html, name="laporan.pdf")
    assert message.startswith("laporan.pdf is not accepted: only JPEG or PNG photos")
    assert message.count("laporan.pdf") == 1


def test_too_many_pages_are_refused(settings):
    settings.ADUAN_PDF_MAX_PAGES = 3
    assert prepare_upload(name="tiga.pdf", chunks=[pdf_bytes(pages=3)]).data
    assert refusal(pdf_bytes(pages=4)) == "dokumen.pdf: the PDF file has more than 3 pages."


def test_the_messages_are_in_indonesian():
    with translation.override("id"):
        message = refusal(pdf_bytes()[:300])
    assert message == "dokumen.pdf: berkas PDF rusak atau tidak bisa dibaca."


def test_a_file_of_too_many_objects_is_refused_before_it_is_walked(monkeypatch):
    from aduan.reports import pdf as pdf_module

    monkeypatch.setattr(pdf_module, "MAX_OBJECTS", 10)
    assert refusal(pdf_bytes(pages=4)) == "dokumen.pdf: the PDF file is damaged or cannot be read."
    assert prepare_upload(name="dua.pdf", chunks=[pdf_bytes(pages=1)]).data
