"""Priority flags: each flag found in the sentences that carry it, and the look-alikes
(the same words in a harmless sense) left alone."""

from __future__ import annotations

import pytest
from django.utils import translation

from aduan.triage.priority import (
    ARCHIVABLE,
    FLAG_LABELS,
    FLAGS,
    flag_display,
    priority_flags,
)

DANGER_TEXTS = [
    "IGD RSUD Kota menolak pasien kecelakaan dengan alasan kamar penuh",
    "Ibu saya ditolak di UGD rumah sakit padahal sesak napas",
    "Puskesmas tidak mau menerima pasien BPJS yang pingsan",
    "Bayi tetangga kami meninggal dunia setelah tidak ditangani bidan desa",
    "Pasien kritis dibiarkan di lorong rumah sakit sejak semalam",
    "Jembatan gantung di dusun kami ambruk diterjang arus sungai",
    "Jembatan penghubung desa hampir putus dan tetap dilewati anak sekolah",
    "Jalan provinsi amblas sedalam dua meter setelah hujan deras",
    "Tanggul sungai jebol dan air masuk ke rumah warga",
    "Atap ruang kelas SD roboh saat pelajaran berlangsung",
    "Banjir setinggi satu meter merendam perumahan sejak kemarin",
    "Longsor menutup akses jalan ke kampung kami",
    "Terjadi kebakaran di pasar induk tadi malam",
    "Kabel listrik PLN jatuh ke jalan dan masih menyala",
    "Kabel tegangan tinggi menjuntai rendah di atas rumah warga",
    "Tiang listrik miring hampir menimpa rumah",
    "Anak saya kesetrum di taman kota karena kabel terkelupas",
    "Ada balita gizi buruk di desa kami yang belum ditangani",
    "Puluhan siswa keracunan makanan dari kantin sekolah",
    "Anak kecil digigit anjing liar di depan sekolah",
    "Anjing liar menggigit tiga warga minggu ini",
    "Tercium bau gas bocor di sekitar perumahan",
    "Pohon besar tumbang menimpa warung di pinggir jalan",
    "Lubang galian ini taruhan nyawa bagi pengendara motor",
    "Obat yang diberikan apotek puskesmas ternyata kedaluwarsa",
    "Sudah banyak korban kecelakaan di tikungan ini",
    "tlg jembatan dsa kami sdh rubuh",
]
# Each look-alike with its twin: nearly the same words, and the flag.
DANGER_LOOK_ALIKES = [
    (
        "Saya sakit hati dengan pelayanan petugas kelurahan yang tidak ramah",
        "Saya sakit hati, petugas IGD menolak pasien yang tidak sadar",
    ),
    (
        "Saya sakit hati dengan pelayanan rumah sakit yang lambat mengurus berkas",
        "Rumah sakit menolak pasien yang datang dengan berkas lengkap",
    ),
    (
        "Antrean pendaftaran rumah sakit sangat panjang setiap pagi",
        "Pasien kritis menunggu di antrean rumah sakit sejak pagi",
    ),
    (
        "Lamaran kerja saya ditolak tanpa alasan oleh dinas tenaga kerja",
        "Ibu saya ditolak tanpa alasan oleh UGD rumah sakit daerah",
    ),
    (
        "Pengajuan KTP saya ditolak karena berkas kurang",
        "Pasien ditolak puskesmas karena berkas kurang",
    ),
    (
        "Jalan di depan sekolah rusak parah dan berlubang",
        "Jalan di depan sekolah amblas dan berlubang",
    ),
    (
        "Sinyal internet di desa kami putus-putus setiap sore",
        "Jembatan di desa kami putus sejak sore",
    ),
    (
        "Kenapa anak saya putus sekolah tidak dapat bantuan",
        "Kenapa kabel listrik putus belum diperbaiki",
    ),
    (
        "Mobil pemadam kebakaran di kecamatan kami sudah tua",
        "Kebakaran di kecamatan kami tadi malam",
    ),
    ("Pengerukan Banjir Kanal Timur belum selesai", "Banjir di Kanal Timur belum surut"),
    (
        "Mohon jadwal simulasi kebakaran di gedung kantor",
        "Mohon bantuan, terjadi kebakaran di gedung kantor",
    ),
    (
        "Ayah saya meninggal dunia, bagaimana mengurus akta kematian",
        "Pasien meninggal dunia setelah ditolak, bagaimana mengadu",
    ),
]
VIOLENCE_TEXTS = [
    "Anak saya dipukul oleh gurunya di kelas",
    "Warga dipukuli petugas keamanan pasar",
    "Seorang siswi mengalami pelecehan seksual oleh oknum guru",
    "Tetangga kami korban KDRT setiap malam",
    "Anak saya menjadi korban perundungan di sekolah",
    "Anak saya dibully teman sekelasnya setiap hari",
    "Saya mendapat ancaman pembunuhan setelah melapor",
    "Kami diancam akan dibunuh jika tidak pindah",
    "Pedagang dianiaya oleh preman pasar",
    "Terjadi penganiayaan terhadap tahanan di polsek",
    "Seorang remaja dikeroyok di depan terminal",
    "Sopir angkot ditampar dan ditendang oleh penumpang",
    "Korban pemerkosaan tidak dilayani di kantor polisi",
    "Sering terjadi tawuran pelajar di jalan ini",
    "Pengendara motor dibegal setiap malam di jalur ini",
]
VIOLENCE_LOOK_ALIKES = [
    (
        "Kantor kelurahan baru buka pukul 10 padahal jadwalnya pukul 8",
        "Petugas kelurahan memukul warga pukul 10 pagi",
    ),
    ("Bus datang pukul 07.30 dan selalu terlambat", "Kondektur bus dipukul penumpang pukul 07.30"),
    (
        "Saya terpukul dengan keputusan sekolah menolak anak saya",
        "Anak saya dipukul guru setelah sekolah menolaknya",
    ),
    (
        "Ancaman banjir setiap musim hujan belum ditangani",
        "Ancaman pembunuhan kepada saya belum ditangani",
    ),
]
EXTORTION_TEXTS = [
    "Ada pungli di kantor samsat saat perpanjangan STNK",
    "Pungutan liar di sekolah untuk seragam dan buku",
    "Petugas meminta uang pelicin agar berkas cepat selesai",
    "Oknum polisi minta uang damai saat razia",
    "Kami dimintai uang agar surat tanah diproses",
    "Dipungut biaya Rp 50.000 untuk membuat KTP padahal gratis",
    "Setiap pedagang harus membayar Rp 5.000 tanpa kuitansi",
    "Kepala desa menerima suap dari kontraktor",
    "Ada dugaan sogok dalam penerimaan pegawai",
    "Pemerasan terhadap sopir truk di jembatan timbang",
    "Dugaan korupsi dana desa oleh perangkat desa",
    "Penyelewengan dana bantuan sosial oleh pendamping",
    "Banyak calo di kantor imigrasi",
    "Kami diminta uang terima kasih oleh petugas",
]
EXTORTION_LOOK_ALIKES = [
    (
        "Uang bantuan PKH belum saya terima bulan ini",
        "Uang bantuan PKH dipotong pendamping tanpa kuitansi",
    ),
    (
        "Berapa biaya resmi membuat paspor dan di mana membayarnya",
        "Petugas meminta biaya tidak resmi untuk membuat paspor",
    ),
    (
        "Saya ingin menanyakan uang pensiun ayah saya",
        "Saya dimintai uang agar pensiun ayah saya cair",
    ),
    (
        "Jadwal pemungutan suara pemilihan kepala desa diundur",
        "Ada pungutan liar menjelang pemilihan kepala desa",
    ),
    ("Pekerja memeras keringat tapi gaji terlambat", "Mandor memeras pekerja dan gaji terlambat"),
    ("Uang kuliah tunggal terlalu mahal tahun ini", "Ada uang pelicin agar lulus kuliah tahun ini"),
]
OFFICIAL_TEXTS = [
    "Kepala Dinas Pendidikan bernama Ahmad Santoso tidak pernah di kantor",
    "Petugas loket yang bernama Rina membentak saya",
    "Oknum petugas parkir meminta tarif dua kali lipat",
    "Camat Budi Santoso menolak menemui warga",
    "Lurah Sutrisno tidak pernah hadir di kantor kelurahan",
    "Pak Joko petugas kebersihan membuang sampah ke sungai",
    "Saya dilayani Ibu Dewi, pegawai Dukcapil, yang tidak ramah",
    "Pegawai kecamatan atas nama Bapak Hendra meminta biaya tambahan",
    "Kepala Desa Ahmad Fauzi tidak transparan soal dana desa",
    "Guru honorer berinisial AS sering tidak masuk kelas",
]
OFFICIAL_LOOK_ALIKES = [
    (
        "Pelayanan di kantor Lurah Ancol sangat lambat",
        "Pelayanan Lurah Sutrisno di Ancol sangat lambat",
    ),
    (
        "Camat Sukajadi belum menanggapi surat kami",
        "Camat Budi Santoso belum menanggapi surat kami",
    ),
    (
        "Kepala Dinas Pendidikan Kota Bandung belum menjawab surat kami",
        "Kepala Dinas Pendidikan yang bernama Ahmad belum menjawab surat kami",
    ),
    (
        "Yth. Bapak Walikota Hendi, mohon perbaikan jalan di Genuk",
        "Kata petugas dinas, Pak Hendra, jalan di Genuk belum dianggarkan",
    ),
    (
        "Anak saya bernama Dimas belum terdaftar di BPJS",
        "Petugas BPJS bernama Dimas tidak mendaftarkan anak saya",
    ),
    (
        "Pak Budi warga RT 03 mengeluhkan sampah",
        "Pak Budi petugas kebersihan tidak mengangkut sampah",
    ),
    (
        "Petugas kelurahan tidak ramah kepada warga",
        "Oknum petugas kelurahan tidak ramah kepada warga",
    ),
]
ABUSE_TEXTS = [
    "Pelayanan kalian anjing semua",
    "Dasar pegawai goblok tidak bisa kerja",
    "Petugasnya tolol dan bangsat",
    "Bajingan kalian semua",
    "kontol",
    "Jancuk pelayanan iki",
    "Pegawai kecamatan asu kabeh",
    "Dasar babi pemakan uang rakyat",
    "Dasar monyet kalian",
    "anj1ng semua petugasnya",
    "g0bl0k banget pelayanannya",
    "b4ngs4t kalian",
    "a n j i n g pelayanan ini",
    "k.o.n.t.o.l",
    "dasar anjiiiiing",
    "goblokkkk pegawainya",
    "b*ngsat semua",
    "anj*ng lah",
    "Petugasnya bego banget",
]
ABUSE_LOOK_ALIKES = [
    ("Anjing liar menggigit anak di taman kota", "Petugas taman kota anjing semua"),
    (
        "Banyak anjing liar berkeliaran di sekitar sekolah",
        "Dasar anjing, petugas sekolah tidak peduli",
    ),
    (
        "Peternakan babi di desa kami menimbulkan bau menyengat",
        "Dasar babi, kepala desa kami tidak peduli",
    ),
    (
        "Daging babi dijual bebas tanpa label di pasar",
        "Pegawai dinas itu babi semua, tidak mau melayani",
    ),
    (
        "Monyet liar masuk ke rumah warga dan merusak tanaman",
        "Kalian monyet tidak pernah datang ke rumah warga",
    ),
    (
        "Mohon vaksinasi rabies untuk anjing peliharaan warga",
        "Mohon vaksinasi, petugasnya goblok semua",
    ),
    ("Kebersihan Jalan Asunaro kurang terjaga", "Kebersihan jalan kurang terjaga, asu tenan"),
]
SPAM_TEXTS = [
    (
        "Promo obat kuat murah",
        "Jual obat kuat asli murah, diskon 50%, hubungi WA 081234567890 sekarang juga",
    ),
    (
        "Slot gacor hari ini",
        "Situs slot gacor maxwin, deposit pulsa bonus 100%, daftar di www.slotgacor.xyz",
    ),
    ("asdfghjkl", "qwertyuiop asdfghjkl zxcvbnm sdfghjk"),
    ("aaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    ("wkwkwkwk", "wkwkwkwkwkwkwkwkwkwkwkwkwkwkwkwkwk hahahahahahaha"),
    ("tes", "tes tes tes tes tes tes tes tes tes tes"),
    ("coba", "coba coba test testing"),
    ("halo", "..................................."),
]
# A report about a scam, an advert or a gambling site, and the advert itself.
SPAM_LOOK_ALIKES = [
    (
        (
            "Penipuan jual beli online",
            (
                "Saya tertipu toko online www.tokomurah.com yang menjual HP murah, uang sudah "
                "saya transfer tapi barang tidak dikirim. Penjual bisa dihubungi di 081234567890."
            ),
        ),
        (
            "Jual HP murah",
            (
                "Toko online www.tokomurah.com menjual HP murah bergaransi, promo diskon hari ini, "
                "hubungi 081234567890."
            ),
        ),
    ),
    (
        (
            "Situs judi slot meresahkan",
            "Mohon blokir situs judi slot gacor www.slotgacor.xyz yang iklannya di mana-mana",
        ),
        ("Situs slot", "Situs slot gacor maxwin www.slotgacor.xyz deposit bonus setiap hari"),
    ),
    (
        ("Lampu jalan mati", "Lampu jalan mati di gang 5, mohon diperbaiki"),
        ("Lampu", "lampu lampu lampu lampu lampu lampu lampu lampu"),
    ),
]


def flags_of(text: str) -> list[str]:
    return priority_flags(text, "")


@pytest.mark.parametrize("text", DANGER_TEXTS)
def test_danger_is_flagged(text):
    assert "danger" in flags_of(text)


@pytest.mark.parametrize(("look_alike", "twin"), DANGER_LOOK_ALIKES)
def test_danger_look_alikes_are_not(look_alike, twin):
    assert "danger" not in flags_of(look_alike)
    assert "danger" in flags_of(twin)


@pytest.mark.parametrize("text", VIOLENCE_TEXTS)
def test_violence_is_flagged(text):
    assert "violence" in flags_of(text)


@pytest.mark.parametrize(("look_alike", "twin"), VIOLENCE_LOOK_ALIKES)
def test_violence_look_alikes_are_not(look_alike, twin):
    assert "violence" not in flags_of(look_alike)
    assert "violence" in flags_of(twin)


@pytest.mark.parametrize("text", EXTORTION_TEXTS)
def test_extortion_is_flagged(text):
    assert "extortion" in flags_of(text)


@pytest.mark.parametrize(("look_alike", "twin"), EXTORTION_LOOK_ALIKES)
def test_extortion_look_alikes_are_not(look_alike, twin):
    assert "extortion" not in flags_of(look_alike)
    assert "extortion" in flags_of(twin)


@pytest.mark.parametrize("text", OFFICIAL_TEXTS)
def test_a_named_official_is_flagged(text):
    assert "official" in flags_of(text)


@pytest.mark.parametrize(("look_alike", "twin"), OFFICIAL_LOOK_ALIKES)
def test_places_units_salutations_and_citizens_are_no_named_official(look_alike, twin):
    assert "official" not in flags_of(look_alike)
    assert "official" in flags_of(twin)


@pytest.mark.parametrize("text", ABUSE_TEXTS)
def test_abuse_is_flagged_disguised_or_not(text):
    assert "abuse" in flags_of(text)


@pytest.mark.parametrize(("look_alike", "twin"), ABUSE_LOOK_ALIKES)
def test_animals_and_look_alikes_are_not_abuse(look_alike, twin):
    assert "abuse" not in flags_of(look_alike)
    assert "abuse" in flags_of(twin)


@pytest.mark.parametrize(("title", "body"), SPAM_TEXTS)
def test_spam_is_flagged(title, body):
    assert "spam" in priority_flags(title, body)


@pytest.mark.parametrize(("look_alike", "twin"), SPAM_LOOK_ALIKES)
def test_reports_about_scams_and_plain_reports_are_not_spam(look_alike, twin):
    assert "spam" not in priority_flags(*look_alike)
    assert "spam" in priority_flags(*twin)


def test_an_ordinary_complaint_has_no_flag():
    body = (
        "Saya sakit hati dengan pelayanan petugas Disdukcapil: sudah tiga kali datang "
        "pukul 8 pagi dan disuruh kembali besok, padahal berkas lengkap."
    )
    assert priority_flags("Pelayanan KTP lambat", body) == []
    assert priority_flags("Pelayanan KTP lambat", f"{body} Lalu dimintai uang pelicin.") == [
        "extortion"
    ]


def test_flags_come_in_a_fixed_order_from_title_and_body():
    flags = priority_flags(
        "Dasar bangsat, oknum petugas minta pungli",
        "Kami dipukul saat menolak membayar, lalu rumah kami kebanjiran.",
    )
    assert flags == ["danger", "violence", "extortion", "official", "abuse"]
    assert flags == [f for f in FLAGS if f in flags]
    assert priority_flags("Jembatan", "Jembatan desa ambruk tadi pagi setelah hujan.") == ["danger"]


def test_slang_is_written_out_before_the_rules_read():
    assert "extortion" in flags_of("sy dimintai uang agar berkas cpt selesai, tp tdk ada kuitansi")
    assert "danger" in flags_of("jembatan dsa kami sdh ambruk krn banjir kmrn")


def test_every_flag_has_a_translated_label_and_the_alert_tone():
    assert set(FLAG_LABELS) == set(FLAGS)
    assert {"abuse", "spam"} == ARCHIVABLE
    with translation.override("id"):
        assert flag_display("danger") == ("Bahaya bagi nyawa atau kesehatan", "alert")
        assert flag_display("abuse")[0] == "Bahasa kasar"
        assert flag_display("spam")[0] == "Spam?"
        indonesian = {key: flag_display(key)[0] for key in FLAGS}
    with translation.override("en"):
        assert flag_display("danger") == ("Danger to life or health", "alert")
        english = {key: flag_display(key)[0] for key in FLAGS}
    # Every label is translated ("Spam?" reads the same in both languages).
    assert {k for k in FLAGS if indonesian[k] == english[k]} == {"spam"}


@pytest.mark.django_db
def test_pure_no_query_and_the_same_answer_each_time(django_assert_num_queries):
    """Called for every row of the queue: it reads nothing but the text (the timing on
    real reports is in bench/README.md)."""
    title, body = "Camat Budi Santoso minta pungli", "Petugasnya goblok, jembatan ambruk."
    priority_flags(title, body)  # the place names are read from files once, not the database
    with django_assert_num_queries(0):
        first = priority_flags(title, body)
        assert priority_flags(title, body) == first
    assert first == ["danger", "extortion", "official", "abuse"]
