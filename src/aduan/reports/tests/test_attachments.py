"""Uploads: recognised by content, refused when damaged or disguised, stripped of metadata."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.storage import FileSystemStorage, default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image, ImageCms

from aduan.core.errors import PayloadTooLarge, ValidationFailed
from aduan.reports import attachments
from aduan.reports.attachments import (
    PreparedFile,
    attachment_store,
    attachments_discard,
    prepare_upload,
    prepare_uploaded_file,
    sniff_content_type,
)
from aduan.reports.models import Attachment
from aduan.reports.tests.factories import ReportFactory, pdf_bytes

SECRET_MODEL = b"RahasiaPhone X1"
SECRET_XMP = b"RahasiaXMP"
SECRET_COMMENT = b"rumah pelapor"
GPS_IFD = 0x8825
EXIF_IFD = 0x8769


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in English, the language they are written in.
    with translation.override("en"):
        yield


def prepare(data: bytes, name: str = "bukti") -> PreparedFile:
    return prepare_upload(name=name, chunks=[data])


def error_text(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.field_errors["file"])


# --- Building real files ---------------------------------------------------------------


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = SECRET_MODEL.decode()  # Model
    exif[0x0132] = "2024:05:01 10:00:00"  # DateTime
    exif[0x0112] = orientation
    exif[0xA431] = "SN-0042-RAHASIA"  # BodySerialNumber
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "S"  # GPSLatitudeRef
    gps[2] = (6.0, 12.0, 30.5)  # GPSLatitude
    gps[3] = "E"  # GPSLongitudeRef
    gps[4] = (106.0, 49.0, 12.25)  # GPSLongitude
    gps[18] = "WGS-84"  # GPSMapDatum
    return exif


def two_colour_image(size=(40, 20)) -> Image.Image:
    """Red on the left half, blue on the right: shows which way the picture was turned."""
    image = Image.new("RGB", size, (255, 0, 0))
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    return image


def jpeg_with_metadata(orientation: int = 1, size=(40, 20)) -> bytes:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    two_colour_image(size).save(
        out,
        "JPEG",
        quality=95,
        exif=exif_with_gps(orientation),
        icc_profile=icc,
        comment=SECRET_COMMENT,
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + SECRET_XMP + b"</x:xmpmeta>",
    )
    return out.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def png_chunk_types(data: bytes) -> list[bytes]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    offset, kinds = 8, []
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kinds.append(data[offset + 4 : offset + 8])
        offset += 12 + length
    return kinds


def png_with_metadata() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Nama Pelapor")
    info.add_itxt("XML:com.adobe.xmp", SECRET_XMP.decode())
    out = io.BytesIO()
    two_colour_image().save(out, "PNG", pnginfo=info, exif=exif_with_gps())
    return out.getvalue()


def minimal_pdf() -> bytes:
    return pdf_bytes()


def box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


LOCATION = b"+06.2000+106.8167/"
VIDEO_FRAMES = b"FRAME-ONE.FRAME-TWO."


def full_box(kind: bytes, payload: bytes) -> bytes:
    return box(kind, bytes(4) + payload)


def track(handler: bytes, chunk_offset: int, sample_sizes: list[int], udta: bytes = b"") -> bytes:
    """A track with one chunk of samples at ``chunk_offset`` in the file."""
    stbl = box(
        b"stbl",
        full_box(b"stsd", struct.pack(">I", 0))
        + full_box(b"stts", struct.pack(">I", 0))
        + full_box(
            b"stsz",
            struct.pack(">II", 0, len(sample_sizes))
            + b"".join(struct.pack(">I", size) for size in sample_sizes),
        )
        + full_box(b"stsc", struct.pack(">IIII", 1, 1, len(sample_sizes), 1))
        + full_box(b"stco", struct.pack(">II", 1, chunk_offset)),
    )
    hdlr = full_box(b"hdlr", bytes(4) + handler + bytes(12) + b"Handler\x00")
    minf = box(b"minf", full_box(b"vmhd", bytes(8)) + stbl)
    mdia = box(b"mdia", full_box(b"mdhd", bytes(20)) + hdlr + minf)
    return box(b"trak", full_box(b"tkhd", bytes(80)) + mdia + udta)


def minimal_mp4(*, with_moov: bool = True, with_location: bool = True) -> bytes:
    """ftyp, moov (a video track, and with ``with_location`` a GPS track, a ©xyz location
    and the phone's model in metadata boxes) and mdat with the samples."""
    ftyp = box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isomiso2mp41")
    samples = VIDEO_FRAMES + (LOCATION if with_location else b"")

    def moov(mdat_start: int) -> bytes:
        payload_start = mdat_start + 8
        video = track(b"vide", payload_start, [10, 10], udta=box(b"udta", SECRET_MODEL))
        content = full_box(b"mvhd", bytes(96)) + video
        if with_location:
            content += track(b"meta", payload_start + len(VIDEO_FRAMES), [len(LOCATION)])
            content += box(
                b"udta", box(b"\xa9xyz", struct.pack(">HH", len(LOCATION), 0) + LOCATION)
            )
            content += full_box(b"meta", box(b"ilst", box(b"\xa9mod", SECRET_MODEL)))
        return box(b"moov", content)

    moov_box = moov(len(ftyp) + len(moov(0)))
    mdat = box(b"mdat", samples)
    if not with_moov:
        return ftyp + mdat
    return ftyp + moov_box + mdat


def top_level_boxes(data: bytes) -> list[bytes]:
    return [kind for kind, *_rest in attachments._mp4_boxes(data, 0, len(data), top=True)]


# --- Content sniffing and disguised files ----------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", "video/mp4"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", None),  # HEIF is not MP4
        (b"<!DOCTYPE html>", None),
        (b"GIF89a", None),
    ],
)
def test_sniff_content_type_reads_the_bytes(head, expected):
    assert sniff_content_type(head) == expected


@pytest.mark.parametrize(
    ("name", "data", "actual", "claimed"),
    [
        ("bukti.jpg", minimal_pdf(), "a PDF document", "a JPEG image"),
        ("foto.png", jpeg_with_metadata(), "a JPEG image", "a PNG image"),
        ("surat.pdf", png_with_metadata(), "a PNG image", "a PDF document"),
        ("video.mp4", minimal_pdf(), "a PDF document", "an MP4 video"),
        ("C:\\Users\\Budi\\bukti.JPEG", minimal_pdf(), "a PDF document", "a JPEG image"),
    ],
)
def test_a_file_whose_name_announces_another_type_is_refused(name, data, actual, claimed):
    with pytest.raises(ValidationFailed) as exc:
        prepare(data, name=name)
    shown = name.rsplit("\\", 1)[-1]
    assert error_text(exc) == f"The content of {shown} is {actual}, not {claimed}."
    assert exc.value.message == error_text(exc)


def test_a_real_image_named_like_a_web_page_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        prepare(png_with_metadata(), name="halaman.html")
    assert "The content of halaman.html is a PNG image" in error_text(exc)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("foto.png", b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"),
        ("foto.png", b"<html><body onload=alert(1)>"),
        (
            "peta.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        ),
        ("foto.jpg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'),
        ("bukti.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(64)),
        ("bukti.jpg", b"\x7fELF\x02\x01\x01" + bytes(64)),
        ("arsip.pdf", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(40)),
        ("animasi.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
        ("catatan.txt", b"just some text"),
    ],
)
def test_content_that_is_not_an_accepted_type_is_refused_whatever_its_name(name, data):
    with pytest.raises(ValidationFailed) as exc:
        prepare(data, name=name)
    text = error_text(exc)
    assert text.startswith(f"{name} is not accepted")
    assert "JPEG or PNG photos, PDF documents and MP4 videos" in text


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        prepare(b"", name="kosong.pdf")
    assert error_text(exc) == "kosong.pdf is empty."


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("IMG_2024.JPG", "IMG_2024.jpg"),
        ("scan.jpeg", "scan.jpg"),
        ("tanpa-ekstensi", "tanpa-ekstensi.jpg"),
        ("/home/budi/foto rumah.jpg", "foto rumah.jpg"),
        ('a<b>:"c|?*.jpg', "abc.jpg"),
        ("\x00\x01.jpg", "lampiran.jpg"),
        ("", "lampiran.jpg"),
        ("x" * 300 + ".jpg", "x" * 80 + ".jpg"),
    ],
)
def test_the_stored_name_is_safe_and_carries_the_real_type(name, expected):
    assert prepare(jpeg_with_metadata(), name=name).name == expected


# --- Images: re-encoded without metadata ------------------------------------------------


def test_jpeg_exif_gps_xmp_icc_and_comment_are_stripped():
    original = jpeg_with_metadata()
    # The test file really carries what must be removed.
    with Image.open(io.BytesIO(original)) as source:
        assert source.getexif().get_ifd(GPS_IFD)[2] == (6.0, 12.0, 30.5)
        assert {"exif", "xmp", "icc_profile", "comment"} <= set(source.info)
    for secret in (b"Exif", SECRET_MODEL, b"WGS-84", SECRET_XMP, SECRET_COMMENT, b"acsp"):
        assert secret in original

    prepared = prepare(original, name="rumah.jpg")

    assert prepared.content_type == "image/jpeg"
    with Image.open(io.BytesIO(prepared.data)) as cleaned:
        assert cleaned.format == "JPEG"
        assert cleaned.size == (40, 20)
        exif = cleaned.getexif()
        assert len(exif) == 0
        assert exif.get_ifd(GPS_IFD) == {}
        assert exif.get_ifd(EXIF_IFD) == {}
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(cleaned.info)
    for secret in (
        b"Exif",
        b"GPS",
        b"Canon",
        SECRET_MODEL,
        b"SN-0042",
        b"WGS-84",
        b"2024:05:01",
        SECRET_XMP,
        b"xmpmeta",
        SECRET_COMMENT,
        b"acsp",
    ):
        assert secret not in prepared.data, secret
    assert prepared.size == len(prepared.data)
    assert len(prepared.sha256) == 64


def test_the_exif_orientation_is_applied_before_it_is_dropped():
    # Orientation 6: the camera was turned; the picture must be rotated 90° clockwise.
    prepared = prepare(jpeg_with_metadata(orientation=6), name="tegak.jpg")
    with Image.open(io.BytesIO(prepared.data)) as upright:
        assert upright.size == (20, 40)
        assert "exif" not in upright.info
        top, bottom = upright.getpixel((10, 5)), upright.getpixel((10, 35))
    assert top[0] > 200 > top[2]  # the left (red) half is now on top
    assert bottom[2] > 200 > bottom[0]


def test_png_text_and_exif_chunks_are_stripped():
    original = png_with_metadata()
    assert {b"tEXt", b"iTXt", b"eXIf"} <= set(png_chunk_types(original))
    prepared = prepare(original, name="layar.png")
    assert prepared.content_type == "image/png"
    assert set(png_chunk_types(prepared.data)) <= {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
    for secret in (b"Nama Pelapor", SECRET_XMP, SECRET_MODEL, b"Exif"):
        assert secret not in prepared.data
    with Image.open(io.BytesIO(prepared.data)) as cleaned:
        assert cleaned.size == (40, 20)
        assert cleaned.getpixel((0, 0))[:3] == (255, 0, 0)


def test_a_palette_png_keeps_its_palette_and_transparency():
    image = Image.new("P", (8, 8), 1)
    image.putpalette([0, 0, 0, 0, 255, 0] + [0] * 762)
    out = io.BytesIO()
    image.save(out, "PNG", transparency=0)
    prepared = prepare(out.getvalue(), name="ikon.png")
    with Image.open(io.BytesIO(prepared.data)) as cleaned:
        assert cleaned.convert("RGBA").getpixel((0, 0)) == (0, 255, 0, 255)


def test_large_images_are_scaled_down():
    out = io.BytesIO()
    Image.new("L", (attachments.MAX_IMAGE_SIDE * 2, 16)).save(out, "PNG")
    prepared = prepare(out.getvalue(), name="panorama.png")
    with Image.open(io.BytesIO(prepared.data)) as cleaned:
        assert cleaned.size == (attachments.MAX_IMAGE_SIDE, 8)


def bomb_png(width: int, height: int) -> bytes:
    """A PNG header that claims ``width``×``height`` pixels, with almost no data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(
    ("width", "height"),
    [
        (10_000, 10_000),  # over the limit: Pillow only warns, our own check refuses
        (50_000, 50_000),  # over twice the limit: Pillow's DecompressionBombError
    ],
)
def test_decompression_bombs_are_refused(width, height):
    with pytest.raises(ValidationFailed) as exc:
        prepare(bomb_png(width, height), name="bom.png")
    assert error_text(exc) == "bom.png: the image has too many pixels."


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_png_is_decoded_whole_so_its_limit_is_lower():
    """Five 60-megapixel PNGs took a web worker 16 s: a PNG may have 25 megapixels."""
    with pytest.raises(ValidationFailed) as exc:
        prepare(bomb_png(6_000, 5_000), name="layar.png")  # 30 megapixels
    assert error_text(exc) == "layar.png: the image has too many pixels."


def grey_png(side: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (side, side), 128).save(out, "PNG")
    return out.getvalue()


def test_the_images_of_one_request_share_a_decoding_budget():
    budget = attachments.DecodeBudget(pixels=2_000_000)
    for n in range(2):
        prepare_upload(name=f"foto{n}.png", chunks=[grey_png(1_000)], budget=budget)
    with pytest.raises(ValidationFailed) as exc:
        prepare_upload(name="foto3.png", chunks=[grey_png(1_000)], budget=budget)
    assert error_text(exc) == (
        "foto3.png: the photos sent together are too large to process; send fewer or smaller ones."
    )
    # Another request starts afresh.
    assert prepare_upload(
        name="foto4.png", chunks=[grey_png(1_000)], budget=attachments.DecodeBudget(2_000_000)
    )


def test_the_web_forms_files_share_one_budget(settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from aduan.web.forms import prepare_files

    settings.ADUAN_UPLOAD_DECODE_PIXELS = 2_500_000
    uploads = [SimpleUploadedFile(f"f{n}.png", grey_png(1_000), "image/png") for n in range(3)]
    prepared, problems = prepare_files(uploads)
    assert len(prepared) == 2
    assert problems == [
        "f2.png: the photos sent together are too large to process; send fewer or smaller ones."
    ]


def test_a_truncated_jpeg_is_refused():
    data = jpeg_with_metadata(size=(400, 300))
    with pytest.raises(ValidationFailed) as exc:
        prepare(data[: len(data) // 2], name="potong.jpg")
    assert error_text(exc) == "potong.jpg: the image is damaged or not a real image."


def test_a_png_with_a_broken_checksum_is_refused():
    data = bytearray(png_with_metadata())
    idat = data.index(b"IDAT")
    data[idat + 6] ^= 0xFF
    with pytest.raises(ValidationFailed):
        prepare(bytes(data), name="rusak.png")


def test_a_jpeg_with_unreadable_exif_is_still_accepted_and_cleaned():
    good = jpeg_with_metadata()
    start = good.index(b"Exif\x00\x00") + 6
    # Corrupt the TIFF header inside the APP1 segment: the EXIF cannot be parsed.
    broken = good[:start] + b"XX" + good[start + 2 :]
    prepared = prepare(broken, name="exif-rusak.jpg")
    assert b"Exif" not in prepared.data
    assert SECRET_MODEL not in prepared.data


# --- PDF and MP4 ------------------------------------------------------------------------


def test_a_complete_pdf_is_accepted_rewritten():
    prepared = prepare(minimal_pdf(), name="surat.pdf")
    assert prepared.content_type == "application/pdf"
    assert prepared.data.startswith(b"%PDF-")
    assert prepared.name == "surat.pdf"
    # Rewriting is stable: a cleaned file cleaned again is the same file.
    assert prepare(prepared.data, name="lagi.pdf").data == prepared.data


def test_a_truncated_pdf_is_refused():
    data = minimal_pdf()
    with pytest.raises(ValidationFailed) as exc:
        prepare(data[: len(data) // 3], name="surat.pdf")
    assert error_text(exc) == "surat.pdf: the PDF file is damaged or cannot be read."


def test_a_valid_mp4_is_accepted_with_its_location_and_device_blanked():
    original = minimal_mp4()
    assert original.count(LOCATION) == 2  # the ©xyz box and the GPS track's sample
    assert original.count(SECRET_MODEL) == 2
    prepared = prepare(original, name="video.mp4")
    assert prepared.content_type == "video/mp4"
    assert prepared.name == "video.mp4"
    # Same length, so every chunk offset in the file still points at the same media data.
    assert len(prepared.data) == len(original)
    for secret in (LOCATION, SECRET_MODEL, b"udta", b"meta", b"ilst", b"\xa9xyz"):
        assert secret not in prepared.data, secret
    assert top_level_boxes(prepared.data) == [b"ftyp", b"moov", b"mdat"]
    # The video track is kept whole, its samples at the same place.
    assert prepared.data.count(b"trak") == 1
    assert b"vide" in prepared.data
    assert prepared.data.index(VIDEO_FRAMES) == original.index(VIDEO_FRAMES)
    # The result is itself a valid file, and cleaning it again changes nothing.
    assert prepare(prepared.data, name="lagi.mp4").data == prepared.data


def test_an_mp4_without_metadata_is_kept_byte_for_byte():
    original = minimal_mp4(with_location=False).replace(
        box(b"udta", SECRET_MODEL), box(b"free", bytes(len(SECRET_MODEL)))
    )
    assert prepare(original, name="video.mov").data == original


def fragmented_mp4() -> bytes:
    data = minimal_mp4(with_location=False)
    return data + box(b"moof", box(b"mfhd", bytes(8))) + box(b"mdat", b"more")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(minimal_mp4(with_moov=False), id="no moov"),
        pytest.param(minimal_mp4()[:-5], id="truncated mdat"),
        pytest.param(minimal_mp4() + b"\x00\x00\x00", id="trailing garbage"),
        pytest.param(
            box(b"ftyp", b"mp42\x00\x00\x00\x00") + struct.pack(">I", 4) + b"moov",
            id="box smaller than its header",
        ),
        pytest.param(minimal_mp4().replace(b"tkhd", b"t\x00hd"), id="nested type not a code"),
        pytest.param(minimal_mp4().replace(b"hdlr", b"hdlX"), id="track without handler"),
        pytest.param(minimal_mp4().replace(b"stco", b"stcX"), id="GPS track without chunk offsets"),
        pytest.param(fragmented_mp4(), id="fragmented"),
    ],
)
def test_a_broken_mp4_is_refused(data):
    with pytest.raises(ValidationFailed) as exc:
        prepare(data, name="video.mp4")
    assert error_text(exc) == "video.mp4: the video file is incomplete or damaged."


def test_a_gps_track_pointing_outside_the_file_is_refused():
    data = bytearray(minimal_mp4())
    last_stco = data.rindex(b"stco")
    data[last_stco + 12 : last_stco + 16] = struct.pack(">I", len(data))
    with pytest.raises(ValidationFailed):
        prepare(bytes(data), name="video.mp4")


# --- Size limit -------------------------------------------------------------------------


class CountingChunks:
    """An endless upload that counts how much of it was read."""

    def __init__(self, chunk_size: int):
        self.chunk_size = chunk_size
        self.read = 0

    def __iter__(self):
        while True:
            self.read += 1
            yield b"\xff\xd8\xff" + bytes(self.chunk_size - 3)


def test_an_oversized_upload_is_refused_after_reading_one_chunk_past_the_limit(settings):
    settings.ADUAN_ATTACHMENT_MAX_BYTES = 10_000
    chunks = CountingChunks(chunk_size=3_000)
    with pytest.raises(PayloadTooLarge) as exc:
        prepare_upload(name="besar.jpg", chunks=chunks)
    assert chunks.read == 4  # 12 000 bytes: the first chunk past 10 000
    assert exc.value.status_code == 413
    assert exc.value.field_errors["file"] == [
        "besar.jpg is too large: each file can be at most 9.8\xa0KB."
    ]


def test_a_declared_size_over_the_limit_is_refused_before_reading(settings):
    settings.ADUAN_ATTACHMENT_MAX_BYTES = 10_000
    chunks = CountingChunks(chunk_size=100)
    with pytest.raises(PayloadTooLarge):
        prepare_upload(name="besar.jpg", chunks=chunks, declared_size=10_001)
    assert chunks.read == 0


def test_a_file_of_exactly_the_limit_is_accepted(settings):
    data = png_with_metadata()
    settings.ADUAN_ATTACHMENT_MAX_BYTES = len(data)
    prepared = prepare_upload(name="pas.png", chunks=[data[:10], data[10:]])
    assert prepared.content_type == "image/png"


def test_the_default_limit_is_ten_megabytes():
    chunk = b"%PDF-" + bytes(1024 * 1024 - 5)
    with pytest.raises(PayloadTooLarge) as exc:
        prepare_upload(name="besar.pdf", chunks=[chunk] * 11)
    assert "10.0\xa0MB" in exc.value.message


def test_prepare_uploaded_file_reads_a_django_upload_and_leaves_the_pixels_to_a_worker():
    sent = jpeg_with_metadata()
    upload = SimpleUploadedFile("foto.jpg", sent, content_type="text/html")
    prepared = prepare_uploaded_file(upload)
    # What the browser claimed does not matter either.
    assert prepared.content_type == "image/jpeg"
    # Not decoded in the request: stored as sent, pending, never served until re-encoded
    # (test_attachments_reencode.py).
    assert prepared.pending is True
    assert prepared.data == sent


# --- Robustness -------------------------------------------------------------------------

MAGIC_PREFIXES = [
    b"",
    b"\xff\xd8\xff",
    b"\xff\xd8\xff\xe1\x00\x20Exif\x00\x00",
    b"\x89PNG\r\n\x1a\n",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR",
    b"%PDF-",
    b"\x00\x00\x00\x10ftypisom\x00\x00\x00\x00",
    b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00isommp42",
]


@hypothesis_settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    prefix=st.sampled_from(MAGIC_PREFIXES),
    body=st.binary(max_size=2048),
    name=st.text(max_size=40),
)
def test_arbitrary_bytes_never_crash_prepare_upload(prefix, body, name):
    try:
        prepared = prepare_upload(name=name, chunks=[prefix + body])
    except (ValidationFailed, PayloadTooLarge) as exc:
        refusal = exc
    else:
        refusal = None
    if refusal is not None:
        assert refusal.field_errors["file"]
    else:
        assert prepared.content_type in attachments.ALLOWED_TYPES
        assert prepared.data
        assert prepared.name.endswith(attachments.EXTENSIONS[prepared.content_type])


@pytest.mark.filterwarnings("ignore::UserWarning:PIL.TiffImagePlugin")
@hypothesis_settings(max_examples=100, deadline=None)
@given(
    mutation=st.lists(
        st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)),
        max_size=8,
    ),
)
def test_mutated_real_files_never_crash_prepare_upload(mutation):
    originals = (
        jpeg_with_metadata(orientation=6),
        png_with_metadata(),
        minimal_mp4(),
        pdf_bytes(author=SECRET_MODEL.decode()),
    )
    for original in originals:
        data = bytearray(original)
        for position, value in mutation:
            data[position % len(data)] = value
        try:
            prepared = prepare_upload(name="x", chunks=[bytes(data)])
        except ValidationFailed:
            continue
        assert SECRET_MODEL not in prepared.data


# --- Storage ----------------------------------------------------------------------------


@pytest.fixture
def file_storage(settings, tmp_path):
    """Real files on disk (the test settings otherwise keep them in memory)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    assert isinstance(storages["default"], FileSystemStorage)
    return default_storage


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


@pytest.mark.django_db
def test_attachment_store_writes_a_random_name_and_the_row(file_storage, settings):
    report = ReportFactory()
    prepared = prepare(jpeg_with_metadata(), name="rumah-saya.jpg")
    attachment = attachment_store(report=report, prepared=prepared, actor=report.reporter)
    attachment.refresh_from_db()
    assert attachment.original_name == "rumah-saya.jpg"
    assert attachment.content_type == "image/jpeg"
    assert attachment.size == prepared.size
    assert attachment.sha256 == prepared.sha256
    assert attachment.uploaded_by == report.reporter
    # The stored name says nothing about the reporter.
    assert attachment.file.name.startswith("attachments/")
    assert attachment.file.name.endswith(".jpg")
    assert "rumah" not in attachment.file.name
    with file_storage.open(attachment.file.name) as stored:
        assert stored.read() == prepared.data


@pytest.mark.django_db
def test_attachment_store_removes_its_file_when_the_row_cannot_be_written(
    file_storage, settings, monkeypatch
):
    report = ReportFactory()

    def failing_save(self, *args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(Attachment, "save", failing_save)
    with pytest.raises(RuntimeError):
        attachment_store(
            report=report, prepared=prepare(minimal_pdf(), name="a.pdf"), actor=report.reporter
        )
    assert stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.django_db
def test_attachments_discard_removes_files_and_survives_a_failing_storage(
    file_storage, settings, monkeypatch, caplog
):
    report = ReportFactory()
    kept = attachment_store(
        report=report, prepared=prepare(minimal_pdf(), name="a.pdf"), actor=report.reporter
    )
    attachments_discard([kept.file.name, "attachments/none/missing.pdf"])
    assert stored_files(settings.MEDIA_ROOT) == []

    def broken_delete(name):
        raise OSError("storage offline")

    monkeypatch.setattr(FileSystemStorage, "delete", lambda self, name: broken_delete(name))
    attachments_discard(["attachments/x/y.pdf"])  # logged, not raised
    assert "could not delete orphan attachment attachments/x/y.pdf" in caplog.text
