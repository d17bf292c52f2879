-- One report-shaped row, as an API submission writes it.
\set agency random(1, 680)
\set category random(1, 61)
\set province random(11, 94)
\set reporter random(1, 100000)
INSERT INTO report (
    tracking_id, classification, title, body, public_title, public_body, anonymous,
    confidential, channel, status, created_at, updated_at, agency_id, category_id,
    region_id, reporter_id, audit_head, due_at, event_count, support_count
) VALUES (
    'PG' || to_char(nextval('report_tracking_seq'), 'FM00000000'),
    'complaint',
    'Jalan rusak di Kelurahan Sukamaju',
    'Jalan rusak di Kelurahan Sukamaju. Sudah lebih dari dua minggu kondisi ini dibiarkan tanpa penanganan. Warga sudah melapor ke kantor kelurahan tetapi belum ada tindak lanjut. Kondisi ini membahayakan pengendara dan anak-anak yang berangkat sekolah. Setiap hujan turun keadaan menjadi lebih parah dan air masuk ke rumah warga. Kami mohon petugas segera datang untuk memeriksa lokasi. Mohon informasi kapan perbaikan akan dilaksanakan. Foto kondisi di lapangan dapat kami kirimkan bila diperlukan. Terima kasih atas perhatian dan tindak lanjutnya.',
    'Jalan rusak di Kelurahan Sukamaju',
    'Jalan rusak di Kelurahan Sukamaju. Sudah lebih dari dua minggu kondisi ini dibiarkan tanpa penanganan. Warga sudah melapor ke kantor kelurahan tetapi belum ada tindak lanjut. Kondisi ini membahayakan pengendara dan anak-anak yang berangkat sekolah. Setiap hujan turun keadaan menjadi lebih parah dan air masuk ke rumah warga. Kami mohon petugas segera datang untuk memeriksa lokasi. Mohon informasi kapan perbaikan akan dilaksanakan. Foto kondisi di lapangan dapat kami kirimkan bila diperlukan. Terima kasih atas perhatian dan tindak lanjutnya.',
    false,
    false,
    'api',
    'submitted',
    now(),
    now(),
    :agency,
    :category,
    :province || '.01',
    :reporter,
    '0000000000000000000000000000000000000000000000000000000000000000',
    now() + interval '5 days',
    1,
    0
);
