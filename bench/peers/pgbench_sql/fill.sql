-- :rows rows with generate_series: three years of reports, statuses by age, the body
-- ~600 characters. Run by psql with -v rows=N.
INSERT INTO report (
    tracking_id, classification, title, body, public_title, public_body, anonymous,
    confidential, channel, status, created_at, updated_at, agency_id, category_id,
    region_id, reporter_id, audit_head, due_at, event_count, support_count
)
SELECT
    'PG' || to_char(i, 'FM00000000'),
    'complaint',
    'Jalan rusak di Kelurahan ' || (i % 8000),
    repeat('Sudah lebih dari dua minggu kondisi ini dibiarkan tanpa penanganan. ', 9),
    'Jalan rusak di Kelurahan ' || (i % 8000),
    repeat('Sudah lebih dari dua minggu kondisi ini dibiarkan tanpa penanganan. ', 9),
    random() < 0.15,
    random() < 0.05,
    'web',
    CASE WHEN age < interval '30 days' THEN 'submitted'
         WHEN age < interval '180 days' THEN 'in_progress'
         ELSE 'closed' END,
    now() - age,
    now() - age,
    1 + (random() * 679)::int,
    1 + (random() * 60)::int,
    (11 + (random() * 83)::int) || '.' || lpad((1 + (random() * 40)::int)::text, 2, '0'),
    1 + (random() * 100000)::int,
    md5(i::text) || md5((i + 1)::text),
    now() - age + interval '5 days',
    1,
    0
FROM (
    SELECT i, interval '1095 days' * power(random(), 1.5) AS age
    FROM generate_series(1, :rows) AS i
) AS s;
SELECT setval('report_tracking_seq', :rows);
