import pytest
from hypothesis import given
from hypothesis import strategies as st

from aduan.core.tracking import normalise_tracking_id
from aduan.reports.pii import (
    BANK_ACCOUNT,
    EMAIL,
    NIK,
    PHONE,
    pii_kinds,
    pii_labels,
    pii_mask,
)

# (text, the personal data in it, its kind)
DETECTED = [
    ("Hubungi saya di 0812-3456-7890 ya", "0812-3456-7890", PHONE),
    ("WA +62 812 3456 7890 kapan saja", "+62 812 3456 7890", PHONE),
    ("no hp 081234567890.", "081234567890", PHONE),
    ("nomor (0812) 3456 7890 aktif", "(0812) 3456 7890", PHONE),
    ("kirim ke 6281234567890", "6281234567890", PHONE),
    ("hp.0812.3456.7890", "0812.3456.7890", PHONE),
    ("kantor kelurahan (021) 555-1234", "(021) 555-1234", PHONE),
    ("telp 021-5551234 jam kerja", "021-5551234", PHONE),
    ("telp 0274 123456", "0274 123456", PHONE),
    ("dari luar negeri +62 21 5551234", "+62 21 5551234", PHONE),
    ("NIK saya 3273 0123 4567 8901.", "3273 0123 4567 8901", NIK),
    ("NIK: 3273012345678901", "3273012345678901", NIK),
    ("KTP 327301.234567.8901", "327301.234567.8901", NIK),
    ("balas ke nama@contoh.id saja", "nama@contoh.id", EMAIL),
    ("Surel: Nama.Saya+lapor@mail.co.id.", "Nama.Saya+lapor@mail.co.id", EMAIL),
    ("transfer ke rekening BCA 1234567890 kemarin", "1234567890", BANK_ACCOUNT),
    ("no. rek 123-456-7890 a/n Budi", "123-456-7890", BANK_ACCOUNT),
    ("BRI: 0123 01 000123 56 7", "0123 01 000123 56 7", BANK_ACCOUNT),
    ("Mandiri 1370012345678", "1370012345678", BANK_ACCOUNT),
    ("norek 987654321", "987654321", BANK_ACCOUNT),
]

# Never masked: tracking ids, dates, rupiah, street numbers, RT/RW, years, postcodes.
NOT_PERSONAL = [
    "Lacak laporan H7K2M9XQ4P di situs",
    "Laporan 7KQ2M9XH4P sudah dibalas",
    "kejadian tanggal 12-08-2026 pagi",
    "pada 2026-08-12 sore",
    "tanggal 12/08/2026 dan 1.8.26",
    "diminta biaya Rp 1.500.000 untuk KTP",
    "pungutan Rp1,5 juta per orang",
    "Rp. 250.000 ditransfer ke rekening",
    "ke rekening BCA Rp 1.500.000",
    "IDR 2500000 untuk sertifikat",
    "anggaran Rp 1.500.000.000.000 tahun ini",
    "Jl. Merdeka No. 12 depan sekolah",
    "Jl. Asia Afrika No. 12A Bandung",
    "RT 05/RW 02 Kelurahan Cibeunying",
    "RT05 RW02 Desa Sukamaju",
    "sejak tahun 2019 sampai 2026",
    "kode pos 40115",
    "jam 08.30-12.00 dan pukul 08:30",
    "nomor surat 123/456/2026",
    "tagihan rekening listrik bulan 12-08-2026",
    "bank sampah RW 03",
    "sebanyak 1.234.567 orang terdampak",
    "dosis 0,5 mg dan skor 10-0",
    "KM 12+300 jalan tol",
]


@pytest.mark.parametrize(("text", "personal", "kind"), DETECTED)
def test_personal_data_is_found_and_masked(text, personal, kind):
    assert pii_kinds(text) == {kind}
    masked = pii_mask(text)
    assert personal not in masked
    before, after = text.split(personal)
    assert masked.startswith(before)
    assert masked.endswith(after)
    assert pii_kinds(masked) == set()


def test_the_tracking_ids_above_are_real_ones():
    assert normalise_tracking_id("H7K2M9XQ4P") == "H7K2M9XQ4P"
    assert normalise_tracking_id("7KQ2M9XH4P") == "7KQ2M9XH4P"


@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_what_is_not_personal_is_left_alone(text):
    assert pii_kinds(text) == set()
    assert pii_mask(text) == text


def test_every_kind_in_one_text_keeps_the_rest():
    text = (
        "Saya Budi, NIK 3273 0123 4567 8901, hp 0812-3456-7890, surel nama@contoh.id. "
        "Pungli Rp 1.500.000 pada 12-08-2026 di Jl. Merdeka No. 12, ditransfer ke "
        "rekening BRI 0123 0100 0123 567."
    )
    assert pii_kinds(text) == {NIK, PHONE, EMAIL, BANK_ACCOUNT}
    masked = pii_mask(text)
    for personal in ("3273 0123", "0812-3456", "nama@contoh.id", "0123 0100"):
        assert personal not in masked
    for kept in ("Saya Budi", "Rp 1.500.000", "12-08-2026", "Jl. Merdeka No. 12"):
        assert kept in masked


def test_labels_name_the_kinds_in_a_fixed_order():
    assert pii_labels({EMAIL, NIK}) == ["NIK", "e-mail address"]
    assert pii_labels(set()) == []


@given(st.text(max_size=300))
def test_masking_is_total_and_settles(text):
    masked = pii_mask(text)
    assert pii_mask(masked) == masked
    assert pii_kinds(masked) == set()


def test_the_placeholder_is_in_the_readers_language():
    from django.utils import translation

    with translation.override("id"):
        assert pii_mask("WA 0812-3456-7890") == "WA [nomor telepon disamarkan]"
