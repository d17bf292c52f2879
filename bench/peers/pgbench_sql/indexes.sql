-- The kind of indexes Aduan's reports_report carries (Report.Meta.indexes and the unique
-- tracking id), built once after the fill.
CREATE UNIQUE INDEX report_tracking_id ON report (tracking_id);
CREATE INDEX report_agency_inbox ON report (agency_id, status, created_at DESC);
CREATE INDEX report_agency_due ON report (agency_id, status, due_at);
CREATE INDEX report_category_recent ON report (category_id, created_at DESC);
CREATE INDEX report_public_feed ON report (created_at DESC, id DESC) WHERE NOT confidential;
CREATE INDEX report_region_prefix ON report (region_id varchar_pattern_ops);
CREATE INDEX report_region_recent ON report (region_id, created_at DESC);
CREATE INDEX report_reporter_recent ON report (reporter_id, created_at DESC);
CREATE INDEX report_status_recent ON report (status, created_at DESC);
CREATE INDEX report_status_due ON report (status, due_at);
CREATE INDEX report_queue_due ON report (due_at, id) WHERE status IN ('submitted', 'returned');
