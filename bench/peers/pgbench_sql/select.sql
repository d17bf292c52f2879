-- One report by its tracking id (a unique index), as the tracking page reads it.
\set id random(1, :rows)
SELECT * FROM report WHERE tracking_id = 'PG' || to_char(:id, 'FM00000000');
