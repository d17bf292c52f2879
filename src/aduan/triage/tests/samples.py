"""Report texts for the duplicate tests: an original, a repost of it with edits, and an
unrelated report."""

ORIGINAL = (
    "Jalan berlubang di depan Pasar Sukasari",
    (
        "Jalan utama di depan Pasar Sukasari berlubang besar sejak tiga bulan lalu. Sudah dua "
        "pengendara motor jatuh minggu ini dan belum ada perbaikan dari dinas terkait. Mohon "
        "segera ditambal sebelum musim hujan."
    ),
)
# Words dropped and added, typos, slang abbreviations, a greeting.
REPOST = (
    "Jln berlubang depan pasar Sukasari",
    (
        "Selamat pagi. Jalan utama depan Pasar Sukasari berlubang besar sejak 3 bulan lalu. "
        "Udah dua pengendara motor jatuh mingu ini dan blm ada perbaikan dr dinas terkait. "
        "Tlg segera ditambal sebelum musim hujan."
    ),
)
UNRELATED = (
    "Antrean pembuatan KTP elektronik lama",
    (
        "Sudah tiga kali saya datang ke kantor kecamatan untuk merekam KTP elektronik, tetapi "
        "blangko selalu habis dan petugas tidak memberi kepastian kapan tersedia."
    ),
)
