"""The vendor's own full-text index beside ``search_entry`` (ADR 0004).

PostgreSQL: ``pg_trgm``; ``document`` (public stems; title weighted A, text B) and
``original_document`` (public and original stems, only where the original differs),
stored generated columns with GIN indexes; a trigram GIN index on the public stems.
SQLite: an FTS5 table over ``search_entry`` (external content, no second copy of the
text), kept by triggers.
"""

from django.db import migrations

POSTGRESQL = [
    (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        None,
    ),
    (
        "ALTER TABLE search_entry ADD COLUMN document tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('simple'::regconfig, title), 'A') || "
        "setweight(to_tsvector('simple'::regconfig, body), 'B')) STORED",
        "ALTER TABLE search_entry DROP COLUMN document",
    ),
    (
        "ALTER TABLE search_entry ADD COLUMN original_document tsvector GENERATED ALWAYS AS ("
        "CASE WHEN original_title = '' AND original_body = '' THEN NULL ELSE "
        "setweight(to_tsvector('simple'::regconfig, title || ' ' || original_title), 'A') || "
        "setweight(to_tsvector('simple'::regconfig, body || ' ' || original_body), 'B') END"
        ") STORED",
        "ALTER TABLE search_entry DROP COLUMN original_document",
    ),
    (
        "CREATE INDEX search_entry_document ON search_entry USING gin (document)",
        "DROP INDEX search_entry_document",
    ),
    (
        "CREATE INDEX search_entry_original ON search_entry USING gin (original_document) "
        "WHERE original_document IS NOT NULL",
        "DROP INDEX search_entry_original",
    ),
    (
        "CREATE INDEX search_entry_trigram ON search_entry "
        "USING gin ((title || ' ' || body) gin_trgm_ops)",
        "DROP INDEX search_entry_trigram",
    ),
]

_FTS_COLUMNS = "title, body, original_title, original_body"
_NEW = "new.report_id, new.title, new.body, new.original_title, new.original_body"
_OLD = "old.report_id, old.title, old.body, old.original_title, old.original_body"
_INSERT = f"INSERT INTO search_fts(rowid, {_FTS_COLUMNS}) VALUES ({_NEW});"
_DELETE = f"INSERT INTO search_fts(search_fts, rowid, {_FTS_COLUMNS}) VALUES ('delete', {_OLD});"

SQLITE = [
    (
        f"CREATE VIRTUAL TABLE search_fts USING fts5({_FTS_COLUMNS}, content='search_entry', "
        "content_rowid='report_id', tokenize='unicode61 remove_diacritics 2')",
        "DROP TABLE search_fts",
    ),
    (
        f"CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN {_INSERT} END",
        "DROP TRIGGER search_entry_ai",
    ),
    (
        f"CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN {_DELETE} END",
        "DROP TRIGGER search_entry_ad",
    ),
    (
        "CREATE TRIGGER search_entry_au AFTER UPDATE ON search_entry "
        f"BEGIN {_DELETE} {_INSERT} END",
        "DROP TRIGGER search_entry_au",
    ),
    # Rows written before this migration (none on a fresh database).
    ("INSERT INTO search_fts(search_fts) VALUES ('rebuild')", None),
]

STATEMENTS = {"postgresql": POSTGRESQL, "sqlite": SQLITE}


def forwards(apps, schema_editor):
    for sql, _reverse in STATEMENTS.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for _sql, reverse in reversed(STATEMENTS.get(schema_editor.connection.vendor, [])):
        if reverse:
            schema_editor.execute(reverse)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_search_entry")]

    operations = [migrations.RunPython(forwards, backwards)]
