"""Invented report texts for the demo, in the register citizens write to LAPOR! in.

Every text here was written for Aduan; none is taken from a real report. Placeholders
(``{lokasi}``, ``{wilayah}``…) are filled by ``aduan.demo.loader`` with the report's place.
"""

from __future__ import annotations

from dataclasses import dataclass

# Reports are complaints (most), aspirations and information requests.
COMPLAINT, ASPIRATION, INFORMATION = "complaint", "aspiration", "information_request"


@dataclass(frozen=True)
class Topic:
    key: str
    category: str  # Category.code
    classification: str
    titles: tuple[str, ...]
    bodies: tuple[str, ...]
    responses: tuple[str, ...]
    # Who answers: "local" (the regency/city government or one of its units), "province"
    # (the provincial government or one of its units) or "national" (``national`` codes).
    level: str = "local"
    unit_hints: tuple[str, ...] = ()  # words in the code of the local unit that answers
    national: tuple[str, ...] = ()  # national agencies that may answer, best first
    weight: int = 10
    confidential_rate: float = 0.05
    photo: bool = False  # a photo is plausible evidence


TOPICS: tuple[Topic, ...] = (
    Topic(
        key="jalan-rusak",
        category="infrastruktur-jalan",
        classification=COMPLAINT,
        weight=24,
        photo=True,
        unit_hints=("dsdabm", "dpupr", "bina-marga"),
        national=("kemenpu-bina-marga",),
        titles=(
            "Jalan berlubang di {jalan} membahayakan pengendara",
            "Jalan rusak parah di {desa} belum juga diperbaiki",
            "Aspal {jalan} mengelupas dan tergenang air",
        ),
        bodies=(
            (
                "Selamat siang. Saya ingin melaporkan kondisi {jalan}, {desa}, Kecamatan "
                "{kecamatan} yang berlubang di banyak titik. Sudah sekitar {durasi} kondisinya "
                "seperti ini dan saat hujan lubangnya tertutup genangan sehingga tidak terlihat. "
                "Minggu lalu ada pengendara motor yang jatuh di dekat {patokan}. Mohon segera "
                "diperbaiki sebelum ada korban lagi. Terima kasih."
            ),
            (
                "Jalan penghubung antar desa di {desa} ({kecamatan}) rusak berat, batu-batunya "
                "sudah terlepas dan lubangnya sedalam kurang lebih {angka} cm. Jalan ini setiap hari "
                "dilalui anak sekolah dan truk pengangkut hasil panen. Warga sudah pernah "
                "menambal sendiri dengan tanah, tapi rusak lagi setelah hujan. Kami mohon "
                "perbaikan permanen dari pemerintah {wilayah}."
            ),
            (
                "Mohon perhatiannya, perbaikan galian pipa di {jalan} dekat {patokan} ditinggalkan "
                "begitu saja sejak {durasi} yang lalu. Bekas galian hanya ditimbun tanah dan "
                "sekarang amblas. Malam hari tidak ada lampu atau rambu peringatan sama sekali."
            ),
        ),
        responses=(
            (
                "Terima kasih atas laporannya. Tim UPT Pemeliharaan Jalan telah meninjau lokasi "
                "dan melakukan penambalan darurat. Perbaikan menyeluruh masuk jadwal pemeliharaan "
                "berkala triwulan ini."
            ),
            (
                "Ruas jalan tersebut sudah kami masukkan dalam usulan peningkatan jalan tahun "
                "anggaran berikutnya. Sementara ini telah dipasang rambu peringatan di titik rawan."
            ),
        ),
    ),
    Topic(
        key="drainase",
        category="infrastruktur-drainase",
        classification=COMPLAINT,
        weight=10,
        photo=True,
        unit_hints=("dsdabm", "dpupr", "dsda"),
        titles=(
            "Saluran air tersumbat, {desa} banjir setiap hujan",
            "Gorong-gorong di {jalan} mampet dan meluap",
        ),
        bodies=(
            (
                "Setiap hujan deras lebih dari satu jam, air dari saluran di {jalan} meluap ke "
                "rumah warga setinggi betis. Saluran penuh sedimen dan sampah, dan sudah {durasi} "
                "tidak pernah dikeruk. Mohon dinas terkait melakukan normalisasi saluran di "
                "{desa}, Kecamatan {kecamatan}."
            ),
            (
                "Gorong-gorong di bawah {jalan} dekat {patokan} tersumbat sehingga air tidak "
                "mengalir. Genangan bertahan berhari-hari dan mulai banyak nyamuk. Warga khawatir "
                "demam berdarah, karena sudah ada {angka2} anak yang dirawat bulan ini."
            ),
        ),
        responses=(
            (
                "Satgas drainase telah melakukan pengerukan sedimen di saluran yang dilaporkan. "
                "Kami juga menghimbau warga untuk tidak membuang sampah ke saluran."
            ),
            (
                "Lokasi telah disurvei. Penggantian gorong-gorong dengan ukuran lebih besar "
                "dijadwalkan bulan depan bersama pekerjaan drainase di kawasan tersebut."
            ),
        ),
    ),
    Topic(
        key="pju",
        category="infrastruktur-penerangan",
        classification=COMPLAINT,
        weight=6,
        unit_hints=("dishub", "dsdabm", "dpupr"),
        titles=(
            "Lampu penerangan jalan di {jalan} mati",
            "PJU padam, {jalan} gelap gulita pada malam hari",
        ),
        bodies=(
            (
                "Sudah {durasi} lampu penerangan jalan umum di sepanjang {jalan}, {desa} mati. "
                "Jalan menjadi sangat gelap pada malam hari dan warga, terutama ibu-ibu yang "
                "pulang kerja, merasa tidak aman. Sudah dua kali terjadi penjambretan di dekat "
                "{patokan}. Mohon segera diperbaiki."
            ),
            (
                "Ada {angka2} tiang PJU di {jalan} yang lampunya padam dan satu tiangnya miring "
                "hampir roboh. Mohon dicek karena membahayakan pengguna jalan."
            ),
        ),
        responses=(
            (
                "Petugas pemeliharaan PJU sudah mengganti lampu dan memperbaiki instalasi kabel "
                "di lokasi. Tiang yang miring telah ditegakkan kembali."
            ),
        ),
    ),
    Topic(
        key="pdam",
        category="infrastruktur-air",
        classification=COMPLAINT,
        weight=6,
        unit_hints=("pdam", "dsda"),
        titles=(
            "Air PDAM tidak mengalir sudah {durasi}",
            "Air PDAM keruh dan berbau di {desa}",
        ),
        bodies=(
            (
                "Saya pelanggan PDAM di {desa}, Kecamatan {kecamatan}. Sudah {durasi} air tidak "
                "mengalir sama sekali, padahal tagihan tetap datang seperti biasa. Kami terpaksa "
                "membeli air galon untuk mandi dan memasak. Pengaduan lewat telepon hanya dijawab "
                "sedang ada perbaikan tanpa kepastian kapan selesai."
            ),
            (
                "Beberapa hari ini air PDAM yang mengalir ke rumah kami berwarna kecokelatan dan "
                "berbau kaporit sangat tajam. Tetangga sekitar {jalan} juga mengalami hal yang "
                "sama. Apakah air ini aman dipakai? Mohon penjelasan dan perbaikannya."
            ),
        ),
        responses=(
            (
                "Gangguan disebabkan perbaikan pipa transmisi. Aliran sudah normal kembali dan "
                "tagihan bulan ini akan disesuaikan dengan pemakaian sebenarnya."
            ),
        ),
    ),
    Topic(
        key="sampah",
        category="lingkungan-sampah",
        classification=COMPLAINT,
        weight=12,
        photo=True,
        unit_hints=("dlh",),
        titles=(
            "Sampah menumpuk di TPS {desa} tidak diangkut",
            "Tumpukan sampah liar di pinggir {jalan}",
            "Truk sampah tidak datang ke {desa} lebih dari seminggu",
        ),
        bodies=(
            (
                "Sampah di TPS dekat {patokan}, {desa} sudah {durasi} tidak diangkut. Tumpukannya "
                "meluber sampai ke badan jalan, baunya menyengat dan banyak lalat. Kami sudah "
                "membayar iuran kebersihan setiap bulan. Mohon jadwal pengangkutan diperbaiki."
            ),
            (
                "Ada orang yang membuang sampah sembarangan di lahan kosong pinggir {jalan} setiap "
                "malam. Sekarang sudah menjadi tempat pembuangan liar dan sering dibakar sehingga "
                "asapnya masuk ke rumah warga. Mohon ditertibkan dan dipasang papan larangan."
            ),
        ),
        responses=(
            (
                "Sampah di lokasi telah diangkut oleh armada kebersihan. Jadwal pengangkutan untuk "
                "wilayah tersebut ditambah menjadi tiga kali seminggu."
            ),
            (
                "Lahan telah dibersihkan bersama kelurahan dan dipasang papan larangan membuang "
                "sampah. Satpol PP akan melakukan patroli pada malam hari."
            ),
        ),
    ),
    Topic(
        key="puskesmas",
        category="kesehatan-faskes",
        classification=COMPLAINT,
        weight=12,
        unit_hints=("dinkes",),
        national=("kemenkes-kesprimkom", "kemenkes"),
        titles=(
            "Antrean Puskesmas {kecamatan} sangat lama",
            "Petugas Puskesmas {kecamatan} kurang ramah kepada pasien",
            "Obat di Puskesmas {kecamatan} sering kosong",
        ),
        bodies=(
            (
                "Saya membawa anak berobat ke Puskesmas {kecamatan} pada hari {hari}. Kami datang "
                "pukul 07.00 dan baru dipanggil pukul 11.30, padahal anak saya demam tinggi. "
                "Loket pendaftaran hanya satu yang buka. Mohon sistem antrean diperbaiki, "
                "misalnya dengan antrean daring."
            ),
            (
                "Ibu saya pasien hipertensi yang rutin kontrol di Puskesmas {kecamatan}. Sudah "
                "{durasi} obatnya selalu kosong dan kami disuruh membeli sendiri di apotek. "
                "Bukankah obat ini ditanggung JKN? Mohon penjelasan."
            ),
            (
                "Pada hari {hari} saya berobat ke Puskesmas {kecamatan}. Petugas di ruang "
                "pemeriksaan berbicara dengan nada tinggi dan tidak menjelaskan apa-apa tentang "
                "obat yang diberikan. Pasien lansia di sebelah saya sampai menangis. Mohon "
                "pembinaan bagi petugas."
            ),
        ),
        responses=(
            (
                "Kepala Puskesmas telah menambah petugas pendaftaran pada jam sibuk dan membuka "
                "antrean melalui aplikasi. Terima kasih atas masukannya."
            ),
            (
                "Ketersediaan obat telah dipenuhi dari gudang farmasi kabupaten/kota. Petugas yang "
                "bersangkutan telah mendapat pembinaan dari kepala puskesmas."
            ),
        ),
    ),
    Topic(
        key="rsud",
        category="kesehatan-faskes",
        classification=COMPLAINT,
        weight=7,
        level="province",
        unit_hints=("dinkes",),
        national=("kemenkes-yankes", "kemenkes"),
        titles=(
            "Pasien BPJS ditolak di IGD RSUD dengan alasan kamar penuh",
            "Pelayanan IGD rumah sakit daerah lambat",
        ),
        bodies=(
            (
                "Ayah saya dibawa ke IGD RSUD di {wilayah} pada malam hari {hari} karena sesak "
                "napas. Setelah menunggu hampir {angka2} jam, kami diminta mencari rumah sakit lain "
                "karena kamar penuh, tanpa dibantu rujukan. Mohon pemerintah memastikan rumah sakit "
                "tidak menolak pasien gawat darurat."
            ),
            (
                "Pelayanan di IGD rumah sakit daerah sangat lambat. Istri saya yang akan melahirkan "
                "harus menunggu di lorong karena tempat tidur tidak cukup. Mohon penambahan tempat "
                "tidur dan tenaga kesehatan."
            ),
        ),
        responses=(
            (
                "Dinas Kesehatan telah meminta klarifikasi kepada direksi rumah sakit. Rumah sakit "
                "wajib menangani pasien gawat darurat terlebih dahulu dan membantu rujukan bila "
                "ruang rawat penuh; petugas IGD telah diberi teguran."
            ),
        ),
    ),
    Topic(
        key="bpjs",
        category="kesehatan-bpjs",
        classification=COMPLAINT,
        weight=12,
        level="national",
        national=("bpjs-kesehatan-kc-bandung", "bpjs-kesehatan"),
        titles=(
            "Kartu BPJS Kesehatan tiba-tiba nonaktif",
            "Pindah faskes BPJS Kesehatan tidak bisa diproses",
            "Diminta membayar obat padahal peserta JKN",
        ),
        bodies=(
            (
                "Saya peserta PBI JKN. Ketika berobat ke puskesmas hari {hari}, kartu saya "
                "dinyatakan nonaktif tanpa pemberitahuan apa pun. Saya tidak pernah mengubah data "
                "dan masih termasuk keluarga tidak mampu. Mohon kepesertaan saya diaktifkan "
                "kembali karena saya harus kontrol rutin."
            ),
            (
                "Sudah {durasi} saya mencoba pindah faskes tingkat pertama melalui aplikasi, tetapi "
                "selalu gagal dengan pesan kesalahan. Di kantor cabang saya disuruh mencoba lagi "
                "lewat aplikasi. Saya sudah pindah domisili ke {desa}, {wilayah}."
            ),
            (
                "Saat rawat inap di rumah sakit swasta mitra BPJS, keluarga saya diminta membeli "
                "sendiri beberapa obat dengan total sekitar Rp{rupiah}. Apakah ini dibenarkan? "
                "Mohon ditindaklanjuti."
            ),
        ),
        responses=(
            (
                "Kepesertaan telah diaktifkan kembali setelah verifikasi data bersama Dinas Sosial. "
                "Silakan gunakan kartu seperti biasa."
            ),
            (
                "Rumah sakit telah diminta mengembalikan biaya obat yang seharusnya ditanggung "
                "program JKN. Petugas kami akan menghubungi pelapor."
            ),
        ),
    ),
    Topic(
        key="ktp",
        category="kependudukan-ktp",
        classification=COMPLAINT,
        weight=12,
        unit_hints=("disdukcapil", "dispendukcapil"),
        national=("kemendagri-dukcapil",),
        titles=(
            "KTP elektronik belum jadi setelah {durasi}",
            "Blangko KTP-el kosong di Disdukcapil {wilayah}",
        ),
        bodies=(
            (
                "Saya sudah melakukan perekaman KTP elektronik di kantor kecamatan {kecamatan} "
                "{durasi} yang lalu. Setiap kali menanyakan, jawabannya blangko masih kosong. "
                "Saya butuh KTP untuk melamar pekerjaan dan membuka rekening. Mohon kepastian."
            ),
            (
                "KTP saya hilang dan saya mengurus penggantian di Disdukcapil. Sudah dua kali "
                "datang tetapi selalu diminta kembali minggu depan. Ada calo di depan kantor yang "
                "menawarkan KTP jadi dalam sehari dengan membayar Rp{rupiah}. Apakah ini resmi?"
            ),
        ),
        responses=(
            (
                "KTP-el atas nama pelapor sudah dicetak dan dapat diambil di kantor kecamatan "
                "dengan membawa bukti perekaman. Layanan kami tidak dipungut biaya; praktik calo "
                "telah kami laporkan kepada Satpol PP."
            ),
        ),
    ),
    Topic(
        key="kk",
        category="kependudukan-kk",
        classification=INFORMATION,
        weight=6,
        unit_hints=("disdukcapil", "dispendukcapil"),
        titles=(
            "Syarat menambahkan anggota keluarga di Kartu Keluarga",
            "Cara memperbaiki nama yang salah di KK",
        ),
        bodies=(
            (
                "Selamat pagi. Saya ingin menanyakan persyaratan untuk menambahkan bayi yang baru "
                "lahir ke dalam Kartu Keluarga. Apakah bisa diurus secara daring atau harus datang "
                "ke kantor Disdukcapil {wilayah}? Berapa lama prosesnya?"
            ),
            (
                "Nama ibu saya di Kartu Keluarga tertulis salah satu huruf sehingga tidak sama "
                "dengan ijazah dan buku nikah. Dokumen apa saja yang harus dibawa untuk "
                "memperbaikinya? Terima kasih atas informasinya."
            ),
        ),
        responses=(
            (
                "Penambahan anggota keluarga cukup dengan akta kelahiran, KK lama dan KTP orang "
                "tua, dan dapat diajukan secara daring. KK baru dikirim dalam bentuk dokumen "
                "elektronik yang dapat dicetak sendiri."
            ),
        ),
    ),
    Topic(
        key="akta",
        category="kependudukan-akta",
        classification=INFORMATION,
        weight=4,
        unit_hints=("disdukcapil", "dispendukcapil"),
        titles=("Pengurusan akta kelahiran untuk anak yang lahir di rumah",),
        bodies=(
            (
                "Anak saya lahir di rumah dibantu bidan desa dan tidak ada surat keterangan lahir "
                "dari rumah sakit. Apakah tetap bisa dibuatkan akta kelahiran? Apa saja syaratnya "
                "dan apakah dikenakan biaya?"
            ),
        ),
        responses=(
            (
                "Akta kelahiran tetap dapat diterbitkan dengan surat keterangan lahir dari bidan "
                "atau Surat Pernyataan Tanggung Jawab Mutlak bila tidak ada. Layanan ini gratis."
            ),
        ),
    ),
    Topic(
        key="ppdb",
        category="pendidikan-ppdb",
        classification=COMPLAINT,
        weight=8,
        level="province",
        unit_hints=("disdik",),
        national=("kemendikdasmen-paud-dasmen",),
        titles=(
            "Dugaan kecurangan jalur zonasi penerimaan murid baru",
            "Situs pendaftaran murid baru error terus",
        ),
        bodies=(
            (
                "Anak saya tidak diterima di SMA negeri terdekat padahal jarak rumah kami hanya "
                "{angka} meter. Ternyata ada beberapa calon siswa yang baru pindah KK ke alamat "
                "dekat sekolah sebulan sebelum pendaftaran. Mohon dilakukan verifikasi ulang "
                "domisili secara terbuka."
            ),
            (
                "Sejak hari pertama pendaftaran, situs penerimaan murid baru tidak bisa diakses "
                "atau gagal saat mengunggah dokumen. Batas waktu tinggal {angka2} hari. Mohon "
                "perpanjangan waktu dan perbaikan server."
            ),
        ),
        responses=(
            (
                "Panitia telah melakukan verifikasi faktual domisili dan membatalkan pendaftar "
                "yang tidak memenuhi syarat. Hasil pengumuman perbaikan dapat dilihat di situs "
                "resmi penerimaan murid baru."
            ),
        ),
        confidential_rate=0.1,
    ),
    Topic(
        key="sekolah-pungutan",
        category="pendidikan-sarana",
        classification=COMPLAINT,
        weight=6,
        unit_hints=("disdik",),
        national=("kemendikdasmen",),
        titles=(
            "Pungutan uang bangunan di SD negeri",
            "Atap ruang kelas sekolah bocor dan hampir roboh",
        ),
        bodies=(
            (
                "Sekolah dasar negeri tempat anak saya belajar di {desa} meminta sumbangan "
                "pembangunan sebesar Rp{rupiah} per siswa dan mengancam rapor tidak dibagikan bila "
                "belum lunas. Bukankah sekolah negeri dilarang memungut biaya? Mohon identitas saya "
                "dirahasiakan."
            ),
            (
                "Atap dua ruang kelas di SD negeri di {desa}, Kecamatan {kecamatan} bocor parah dan "
                "kayunya lapuk. Saat hujan murid dipindahkan ke perpustakaan. Kami khawatir atap "
                "roboh saat jam pelajaran."
            ),
        ),
        responses=(
            (
                "Dinas telah memanggil kepala sekolah. Pungutan dihentikan dan dana yang sudah "
                "dibayarkan dikembalikan kepada orang tua murid."
            ),
            (
                "Rehabilitasi ruang kelas telah diusulkan melalui DAK fisik. Sementara itu ruang "
                "kelas yang rusak dikosongkan demi keselamatan murid."
            ),
        ),
        confidential_rate=0.3,
    ),
    Topic(
        key="pip",
        category="pendidikan-bantuan",
        classification=INFORMATION,
        weight=4,
        level="national",
        national=("kemendikdasmen",),
        titles=("Dana Program Indonesia Pintar belum cair",),
        bodies=(
            (
                "Anak saya terdaftar sebagai penerima Program Indonesia Pintar tahun ini, tetapi "
                "sampai sekarang dananya belum masuk ke rekening. Pihak sekolah bilang harus "
                "aktivasi rekening dulu. Bagaimana caranya dan ke mana kami harus datang?"
            ),
        ),
        responses=(
            (
                "Rekening penerima PIP perlu diaktivasi di bank penyalur dengan membawa surat "
                "keterangan dari sekolah. Dana dapat dicairkan setelah aktivasi."
            ),
        ),
    ),
    Topic(
        key="listrik",
        category="energi-listrik",
        classification=COMPLAINT,
        weight=8,
        level="national",
        national=("pln",),
        titles=(
            "Listrik sering padam di {desa} tanpa pemberitahuan",
            "Tiang listrik miring di {jalan} membahayakan warga",
        ),
        bodies=(
            (
                "Dalam {durasi} terakhir listrik di {desa}, {wilayah} padam hampir setiap hari, "
                "kadang sampai empat jam, tanpa pemberitahuan. Peralatan elektronik warga ada yang "
                "rusak dan usaha kecil kami terganggu. Mohon penjelasan dan perbaikan jaringan."
            ),
            (
                "Tiang listrik di {jalan} dekat {patokan} miring dan kabelnya menjuntai rendah. "
                "Anak-anak sering bermain di sekitar situ. Mohon segera ditangani sebelum terjadi "
                "kecelakaan."
            ),
        ),
        responses=(
            (
                "Gangguan disebabkan jaringan tegangan menengah yang tersentuh pohon. Perabasan "
                "dan penggantian isolator telah dilakukan; pemadaman terencana akan diumumkan "
                "sebelumnya."
            ),
        ),
    ),
    Topic(
        key="bansos",
        category="bansos-pkh",
        classification=COMPLAINT,
        weight=9,
        national=("kemensos-linjamsos", "kemensos"),
        unit_hints=("dinsos",),
        titles=(
            "Bantuan PKH tidak diterima padahal terdaftar",
            "Penerima bansos di {desa} tidak tepat sasaran",
        ),
        bodies=(
            (
                "Nama saya tercantum sebagai penerima PKH di situs cek bansos, tetapi sudah dua "
                "tahap saya tidak menerima bantuan. Pendamping PKH tidak bisa dihubungi. Saya "
                "janda dengan tiga anak sekolah dan sangat membutuhkan bantuan ini."
            ),
            (
                "Di {desa} ada beberapa keluarga mampu yang punya mobil dan rumah bagus tetapi "
                "menerima bantuan sembako, sedangkan tetangga saya yang lansia dan tinggal sendiri "
                "tidak pernah mendapat bantuan. Mohon pendataan ulang yang jujur."
            ),
        ),
        responses=(
            (
                "Data penerima telah diverifikasi ulang bersama pemerintah desa. Keluarga yang "
                "tidak layak dikeluarkan dan warga lansia yang dilaporkan telah diusulkan sebagai "
                "penerima baru."
            ),
        ),
        confidential_rate=0.15,
    ),
    Topic(
        key="mbg",
        category="mbg",
        classification=COMPLAINT,
        weight=4,
        level="national",
        national=("bgn",),
        titles=("Menu makan bergizi gratis di sekolah basi",),
        bodies=(
            (
                "Hari {hari} anak saya dan beberapa temannya sakit perut setelah makan menu makan "
                "bergizi gratis di sekolah di {desa}. Lauknya berbau tidak sedap. Mohon dapur "
                "penyedia diperiksa dan standar kebersihannya diawasi."
            ),
        ),
        responses=(
            (
                "Tim BGN bersama dinas kesehatan telah memeriksa dapur penyedia dan mengambil "
                "sampel makanan. Operasional dapur dihentikan sementara sampai perbaikan selesai."
            ),
        ),
    ),
    Topic(
        key="angkot",
        category="transportasi-umum",
        classification=COMPLAINT,
        weight=5,
        unit_hints=("dishub",),
        titles=(
            "Sopir angkot ngetem sembarangan menyebabkan macet",
            "Halte bus rusak dan tidak terawat",
        ),
        bodies=(
            (
                "Setiap pagi angkot ngetem di mulut {jalan} sehingga kendaraan lain tidak bisa "
                "lewat dan terjadi kemacetan panjang. Petugas jarang terlihat. Mohon ditertibkan, "
                "terutama pada jam berangkat sekolah."
            ),
            (
                "Halte di {jalan} atapnya bocor, kursinya patah dan penuh coretan. Penumpang "
                "terpaksa menunggu di pinggir jalan saat hujan. Mohon diperbaiki."
            ),
        ),
        responses=(
            (
                "Petugas Dinas Perhubungan telah ditempatkan di lokasi pada jam sibuk dan "
                "pengemudi yang melanggar diberi sanksi."
            ),
        ),
    ),
    Topic(
        key="pungli-lalu-lintas",
        category="korupsi",
        classification=COMPLAINT,
        weight=4,
        level="national",
        national=("polri-propam", "polri-korlantas"),
        titles=("Dugaan pungutan liar saat razia kendaraan",),
        bodies=(
            (
                "Saat razia di {jalan} hari {hari}, saya diminta membayar Rp{rupiah} agar tidak "
                "ditilang, tanpa diberi surat tilang. Beberapa pengendara lain juga diperlakukan "
                "sama. Saya mohon identitas saya dirahasiakan."
            ),
        ),
        responses=(
            (
                "Laporan telah diteruskan ke bidang profesi dan pengamanan untuk pemeriksaan "
                "anggota yang bertugas pada tanggal tersebut."
            ),
        ),
        confidential_rate=0.6,
    ),
    Topic(
        key="paspor",
        category="imigrasi-paspor",
        classification=INFORMATION,
        weight=4,
        level="national",
        national=("imigrasi",),
        titles=("Kuota antrean paspor selalu habis",),
        bodies=(
            (
                "Sudah dua minggu saya mencoba mengambil antrean paspor melalui aplikasi, tetapi "
                "kuota di kantor imigrasi terdekat selalu habis beberapa menit setelah dibuka. "
                "Apakah ada cara lain? Saya harus berangkat umrah bulan depan."
            ),
        ),
        responses=(
            (
                "Untuk keperluan mendesak seperti ibadah, pemohon dapat datang langsung ke layanan "
                "prioritas dengan membawa bukti jadwal keberangkatan."
            ),
        ),
    ),
    Topic(
        key="pajak",
        category="pajak-daerah",
        classification=INFORMATION,
        weight=4,
        titles=("Tagihan PBB naik berlipat tanpa penjelasan",),
        bodies=(
            (
                "Tagihan PBB rumah saya di {desa} tahun ini naik hampir tiga kali lipat dari tahun "
                "lalu, padahal tidak ada perubahan bangunan. Bagaimana cara mengajukan keberatan "
                "dan sampai kapan batas waktunya?"
            ),
        ),
        responses=(
            (
                "Kenaikan berasal dari penyesuaian NJOP. Wajib pajak dapat mengajukan keberatan "
                "secara tertulis paling lambat tiga bulan sejak SPPT diterima; formulir tersedia "
                "di kantor badan pendapatan daerah."
            ),
        ),
    ),
    Topic(
        key="izin",
        category="perizinan",
        classification=COMPLAINT,
        weight=4,
        titles=("Pengurusan izin usaha lewat OSS tak kunjung selesai",),
        bodies=(
            (
                "Saya pelaku usaha mikro di {wilayah}. Permohonan izin usaha saya di sistem OSS "
                "berstatus menunggu verifikasi sudah {durasi}. Di kantor pelayanan terpadu saya "
                "hanya disarankan menunggu. Mohon dibantu karena izin ini syarat pinjaman KUR."
            ),
        ),
        responses=(
            (
                "Verifikasi tertunda karena dokumen persetujuan lingkungan belum diunggah. Petugas "
                "kami telah membantu pelapor melengkapi dokumen dan izin telah terbit."
            ),
        ),
    ),
    Topic(
        key="pkl",
        category="ketertiban-pkl",
        classification=COMPLAINT,
        weight=4,
        titles=("Pedagang kaki lima memenuhi trotoar {jalan}",),
        bodies=(
            (
                "Trotoar di sepanjang {jalan} dekat {patokan} penuh oleh lapak pedagang sehingga "
                "pejalan kaki, termasuk pengguna kursi roda, terpaksa berjalan di badan jalan. "
                "Mohon ditata dan disediakan tempat berjualan yang layak bagi pedagang."
            ),
        ),
        responses=(
            (
                "Satpol PP bersama kecamatan telah menata pedagang dan memindahkan lapak ke lokasi "
                "relokasi yang disediakan. Trotoar telah dapat dilalui kembali."
            ),
        ),
    ),
    Topic(
        key="usulan-taman",
        category="lingkungan",
        classification=ASPIRATION,
        weight=5,
        unit_hints=("dlh",),
        titles=(
            "Usulan taman bermain anak di {desa}",
            "Usul penambahan ruang terbuka hijau di {kecamatan}",
        ),
        bodies=(
            (
                "Di {desa} ada lahan milik pemerintah yang terbengkalai di dekat {patokan}. Kami "
                "warga mengusulkan agar lahan itu dijadikan taman bermain anak dan ruang terbuka "
                "hijau, karena anak-anak di sini bermain di jalan. Warga siap ikut merawatnya."
            ),
            (
                "Kami mengusulkan penanaman pohon peneduh di sepanjang {jalan}. Saat siang hari "
                "jalan ini sangat panas dan tidak ada tempat berteduh bagi pejalan kaki."
            ),
        ),
        responses=(
            (
                "Terima kasih atas usulannya. Usulan telah dicatat dan akan dibahas dalam "
                "musyawarah perencanaan pembangunan kecamatan tahun depan."
            ),
        ),
    ),
    Topic(
        key="usulan-layanan",
        category="lainnya",
        classification=ASPIRATION,
        weight=4,
        unit_hints=("disdukcapil", "dispendukcapil"),
        titles=("Usulan layanan adminduk keliling di desa terpencil",),
        bodies=(
            (
                "Warga {desa} harus menempuh perjalanan jauh ke kota untuk mengurus dokumen "
                "kependudukan. Kami mengusulkan layanan keliling setiap bulan di balai desa, "
                "terutama untuk lansia dan penyandang disabilitas."
            ),
        ),
        responses=(
            (
                "Layanan jemput bola telah dijadwalkan di balai desa pada minggu pertama setiap "
                "bulan. Jadwal diumumkan melalui pemerintah desa."
            ),
        ),
    ),
)

FIRST_NAMES = (
    "Siti", "Budi", "Dewi", "Agus", "Rina", "Ahmad", "Sri", "Joko", "Nur", "Eko",
    "Fitri", "Hendra", "Yuni", "Rudi", "Wulan", "Dedi", "Intan", "Bayu", "Lestari",
    "Asep", "Ketut", "Made", "Putu", "Yohanes", "Maria", "Fransiska", "Andi", "Ucok",
    "Teuku", "Cut", "Ujang", "Neneng", "Rahmat", "Ratna", "Irfan", "Mega",
)  # fmt: skip
LAST_NAMES = (
    "Rahmawati", "Santoso", "Lestari", "Setiawan", "Marlina", "Fauzi", "Wahyuni",
    "Susanto", "Hidayat", "Purnomo", "Saputra", "Kurniawan", "Siregar", "Nasution",
    "Wijaya", "Sitompul", "Permana", "Hasibuan", "Pratama", "Suryani", "Sudarsana",
    "Manurung", "Tambunan", "Gunawan", "Mahendra", "Syahputra",
)  # fmt: skip

STREETS = (
    "Jl. Merdeka", "Jl. Sudirman", "Jl. Ahmad Yani", "Jl. Diponegoro", "Jl. Pahlawan",
    "Jl. Melati", "Gg. Mawar", "Jl. Cempaka", "Jl. Kenanga", "Jl. Veteran",
    "Jl. Imam Bonjol", "Jl. Gatot Subroto", "Jl. Pasar Baru", "Jl. Raya Desa",
    "Jl. Kartini", "Gg. Masjid", "Jl. Flamboyan", "Jl. Pramuka",
)  # fmt: skip
LANDMARKS = (
    "masjid", "SD negeri", "pasar", "kantor kelurahan", "pertigaan lampu merah",
    "jembatan", "puskesmas pembantu", "minimarket", "lapangan bola", "pos ronda",
)  # fmt: skip
DURATIONS = (
    "dua minggu", "tiga minggu", "sebulan", "dua bulan", "tiga bulan",
    "hampir setengah tahun", "lebih dari setahun",
)  # fmt: skip
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")

# What the people handling a report write at each step. The services put the agency's
# name in front of a disposition note themselves.
DISPOSITION_NOTES = (
    "Laporan telah diverifikasi, mohon ditindaklanjuti sesuai kewenangan.",
    "Laporan lengkap dan sesuai kewenangan instansi. Mohon ditindaklanjuti.",
    "Terverifikasi. Mohon ditindaklanjuti dalam batas waktu yang berlaku.",
    "",
)
ACCEPTED_NOTES = (
    "Laporan diterima dan sedang ditindaklanjuti oleh bidang terkait.",
    "Terima kasih, laporan Anda sedang kami proses. Kami akan memberi kabar perkembangannya.",
    "Laporan telah kami terima dan tim sudah dijadwalkan meninjau lokasi.",
)
STAFF_COMMENTS = (
    "Tim kami sudah meninjau lokasi pada hari ini. Tindak lanjut sedang kami koordinasikan.",
    "Mohon maaf atas ketidaknyamanannya. Laporan Anda masih dalam proses tindak lanjut.",
    (
        "Kami memerlukan sedikit waktu karena penanganan melibatkan instansi lain. Kami akan "
        "menyampaikan perkembangannya di sini."
    ),
)
INTERNAL_NOTES = (
    "Catatan internal: koordinasikan dengan bidang terkait sebelum memberi tanggapan.",
    "Catatan internal: lokasi masuk program pemeliharaan tahun ini, cek jadwal kontraktor.",
    "Catatan internal: pelapor pernah melaporkan hal serupa, mohon prioritas.",
    "Catatan internal: anggaran perbaikan menunggu APBD perubahan, sampaikan perkiraan waktunya.",
)
REPORTER_COMMENTS = (
    "Mohon info, apakah laporan saya sudah ada perkembangan?",
    "Sampai hari ini kondisinya masih sama. Mohon segera ditindaklanjuti.",
    "Terima kasih atas responsnya, saya tunggu kabar selanjutnya.",
)
ARCHIVED_NOTES = (
    "Laporan diarsipkan karena tidak memuat informasi yang cukup untuk ditindaklanjuti.",
    "Diarsipkan karena isi laporan bukan pengaduan pelayanan publik.",
    "Diarsipkan: isi laporan berupa promosi dan tidak berkaitan dengan pelayanan publik.",
)
NO_ANSWER_NOTES = (
    "Diarsipkan karena pelapor tidak melengkapi laporan dalam 10 hari kerja.",
    "Pelapor tidak menjawab permintaan kelengkapan data; laporan diarsipkan.",
)
MERGE_NOTES = (
    "Laporan yang sama sudah ditindaklanjuti; perkembangannya dapat diikuti di sana.",
    "Kejadian dan lokasi sama dengan laporan warga lain yang sudah diproses.",
    "",
)
RETURNED_NOTES = (
    (
        "Laporan dikembalikan ke Admin Nasional karena bukan kewenangan kami. Mohon "
        "diteruskan ke instansi yang berwenang."
    ),
    (
        "Lokasi kejadian berada di luar wilayah kerja kami; laporan dikembalikan untuk "
        "didisposisikan ulang."
    ),
)
FORWARD_NOTES = (
    "Mohon ditindaklanjuti sesuai tugas dan fungsi.",
    "Diteruskan ke unit teknis terkait untuk penanganan di lapangan.",
    "",
)
FORWARD_ELSEWHERE_NOTES = (
    "Objek yang dilaporkan dikelola instansi lain, mohon didisposisikan ke sana.",
    "Kewenangan atas layanan ini ada pada instansi yang kami sarankan.",
)
EXTENSION_REASONS = (
    "Penanganan memerlukan survei lapangan dan koordinasi lintas bidang.",
    "Menunggu jadwal pekerjaan dari pihak ketiga yang ditunjuk.",
    "Data yang diperlukan sedang diminta dari instansi vertikal terkait.",
)
HELD_NOTES = (
    (
        "Mohon lengkapi laporan dengan lokasi kejadian yang lebih rinci (nama jalan dan "
        "kelurahan) serta waktu kejadian."
    ),
    (
        "Laporan belum dapat diproses. Mohon lampirkan bukti pendukung, misalnya foto atau "
        "nomor tiket pengaduan sebelumnya."
    ),
)
HOLD_ANSWERS = (
    "Lokasinya di depan {patokan}, {jalan}, sekitar jam 7 pagi setiap hari kerja.",
    "Nomor tiket pengaduan sebelumnya 2024-{angka}{angka2}. Kejadiannya hari {hari} lalu.",
    "Tepatnya di {jalan} dekat {patokan}. Sudah saya tambahkan keterangan waktunya.",
)
REPORTER_ANSWERS = (
    "Terima kasih, tetapi sampai hari ini masalahnya belum selesai. Mohon dicek kembali.",
    "Perbaikannya baru sebagian, masih ada kendala di lokasi yang sama.",
    "Saya sudah mengikuti arahan tersebut tetapi belum berhasil. Mohon bantuannya lagi.",
)
FOLLOW_UP_RESPONSES = (
    (
        "Menindaklanjuti jawaban Bapak/Ibu, tim kami telah kembali ke lokasi dan "
        "menyelesaikan sisa pekerjaan. Mohon konfirmasi apabila masih ada kendala."
    ),
    (
        "Terima kasih atas informasinya. Kekurangan yang disampaikan sudah kami perbaiki "
        "dan petugas telah memastikan hasilnya di lapangan."
    ),
)
REOPEN_REASONS = (
    "Masalah yang sama muncul lagi beberapa hari setelah laporan ditutup.",
    "Ternyata belum selesai sepenuhnya, mohon ditindaklanjuti kembali.",
)
RATING_COMMENTS = {
    5: ("Cepat dan tuntas, terima kasih!", "Pelayanan sangat baik.", ""),
    4: ("Sudah selesai, walau agak lama.", ""),
    3: ("Cukup, tetapi perlu lebih cepat.", ""),
    2: ("Lama sekali prosesnya.", "Hanya selesai sebagian."),
    1: ("Tidak ada perubahan di lapangan.", "Tanggapannya tidak menjawab masalah."),
}
# A few texts the agencies reuse (ResponseTemplate): (agency code or None for everyone,
# category code or None for any, title, body).
RESPONSE_TEMPLATES = (
    (
        None,
        None,
        "Laporan sedang ditindaklanjuti",
        (
            "Terima kasih atas laporan {tracking_id}. Laporan Anda sedang ditindaklanjuti "
            "oleh {agency}; perkembangannya akan kami sampaikan melalui kanal ini."
        ),
    ),
    (
        None,
        None,
        "Mohon data tambahan",
        (
            "Untuk menindaklanjuti laporan '{title}', mohon sampaikan lokasi yang lebih "
            "rinci dan foto pendukung melalui kolom komentar."
        ),
    ),
    (
        "kemenkes",
        "kesehatan-faskes",
        "Rujukan ke dinas kesehatan setempat",
        (
            "Laporan {tracking_id} telah kami koordinasikan dengan dinas kesehatan setempat "
            "dan rumah sakit terkait. Hasil klarifikasi akan kami sampaikan kembali."
        ),
    ),
    (
        "kota-32.73",
        "kependudukan-ktp",
        "Dokumen kependudukan siap diambil",
        (
            "Dokumen Anda telah selesai diproses oleh {agency} dan dapat diambil di kantor "
            "kecamatan dengan membawa bukti laporan {tracking_id}."
        ),
    ),
)


@dataclass(frozen=True)
class DemoAccount:
    key: str
    role: str
    email: str
    full_name: str
    agency_code: str | None = None
    is_staff: bool = False
    phone: str = ""
