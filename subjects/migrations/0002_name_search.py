"""Indexes for substring search over every name a subject has carried (ADR 0003).

Substring search ("万科" anywhere in "深圳市万科物业服务有限公司") cannot use a b-tree, and a
`LIKE '%q%'` scan over a million names is too slow for a search box. What each database gets:

PostgreSQL
  * `pg_trgm` GIN index on subjects_subjectname(name): serves (I)LIKE for queries of ≥ 3
    characters. pg_trgm extracts no trigram from a 1–2 character pattern, so for those it reads
    the whole index - slower than a plain scan.
  * GIN index on `subjects_name_grams(name)`: every single character and every pair of adjacent
    characters of lower(name). Serves queries of 1–2 characters with one index probe.

SQLite (FTS5, 3.34+)
  * `subjects_subjectname_trigram`: FTS5 `trigram` table, external content on
    subjects_subjectname (content_rowid=id): queries of ≥ 3 characters.
  * `subjects_subjectname_bigram`: FTS5 table over the view `subjects_subjectname_bigram_src`,
    which spells each name as hex tokens of its adjacent character pairs (last character paired
    with char(1)): "万科" → token of 万科, "万" → prefix query on tokens starting with 万. Hex
    keeps every pair one token whatever characters it holds (punctuation, spaces, Latin).
  * Triggers keep both tables in step with INSERT/UPDATE/DELETE on subjects_subjectname.

Caveat: Django rebuilds an SQLite table ("remake") for most AlterField/RemoveField operations on
it, which drops these triggers. A later migration that alters SubjectName on SQLite must call
`drop_sqlite` before and `create_sqlite` after (import this module with importlib).

Nothing here is in model Meta: the indexes are vendor-specific and invisible to the autodetector,
so `makemigrations` never tries to remove them.
"""

from __future__ import annotations

from django.db import migrations

# --- PostgreSQL ---------------------------------------------------------------------------------

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS subjectname_name_trgm "
    "ON subjects_subjectname USING gin (name gin_trgm_ops)",
    # Every character and every pair of adjacent characters of lower(name). IMMUTABLE so it can
    # be indexed. A plpgsql loop: ~5x faster to build than the set-returning SQL equivalent
    # (ADR 0003); GIN removes duplicate keys itself.
    """
    CREATE OR REPLACE FUNCTION subjects_name_grams(name text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
    DECLARE
        l text := lower(name);
        grams text[] := regexp_split_to_array(l, '');
    BEGIN
        FOR i IN 1 .. char_length(l) - 1 LOOP
            grams := grams || substr(l, i, 2);
        END LOOP;
        RETURN grams;
    END
    $$
    """,
    "CREATE INDEX IF NOT EXISTS subjectname_name_grams "
    "ON subjects_subjectname USING gin (subjects_name_grams(name))",
]

PG_BACKWARD = [
    "DROP INDEX IF EXISTS subjectname_name_grams",
    "DROP FUNCTION IF EXISTS subjects_name_grams(text)",
    "DROP INDEX IF EXISTS subjectname_name_trgm",
    # pg_trgm stays: other apps may use it, and dropping an extension needs more privilege.
]

# --- SQLite -------------------------------------------------------------------------------------

T = "subjects_subjectname"
TRI = "subjects_subjectname_trigram"
BI = "subjects_subjectname_bigram"
BI_SRC = "subjects_subjectname_bigram_src"

SQLITE_TABLES = [
    f"CREATE VIRTUAL TABLE {TRI} USING fts5("
    f"name, content='{T}', content_rowid='id', tokenize='trigram')",
    # lower() is ASCII-only in SQLite, exactly like LIKE's case-insensitivity, so the index
    # and the LIKE re-check agree.
    f"""
    CREATE VIEW {BI_SRC}(id, grams) AS
    SELECT n.id, (
        WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < length(n.name))
        SELECT group_concat(hex(substr(lower(n.name) || char(1), i, 2)), ' ') FROM k
    ) FROM {T} AS n
    """,
    # detail='none': 1–2 character queries only ask "does the token occur", never where.
    # prefix='6': a one-character query is a prefix query on the tokens; for a Chinese character
    # (3 UTF-8 bytes, 6 hex digits) the prefix index answers it from one list instead of merging
    # the lists of every pair starting with it (migration 0003 adds it to existing databases).
    f"CREATE VIRTUAL TABLE {BI} USING fts5("
    f"grams, content='{BI_SRC}', content_rowid='id', tokenize='unicode61', detail='none', "
    "prefix='6')",
]

SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER {T}_search_ai AFTER INSERT ON {T} BEGIN
        INSERT INTO {TRI}(rowid, name) VALUES (new.id, new.name);
        INSERT INTO {BI}(rowid, grams) SELECT id, grams FROM {BI_SRC} WHERE id = new.id;
    END
    """,
    # BEFORE: the bigram tokens to delete are computed from the row, which must still exist.
    f"""
    CREATE TRIGGER {T}_search_bd BEFORE DELETE ON {T} BEGIN
        INSERT INTO {TRI}({TRI}, rowid, name) VALUES ('delete', old.id, old.name);
        INSERT INTO {BI}({BI}, rowid, grams)
            SELECT 'delete', id, grams FROM {BI_SRC} WHERE id = old.id;
    END
    """,
    f"""
    CREATE TRIGGER {T}_search_bu BEFORE UPDATE OF id, name ON {T} BEGIN
        INSERT INTO {TRI}({TRI}, rowid, name) VALUES ('delete', old.id, old.name);
        INSERT INTO {BI}({BI}, rowid, grams)
            SELECT 'delete', id, grams FROM {BI_SRC} WHERE id = old.id;
    END
    """,
    f"""
    CREATE TRIGGER {T}_search_au AFTER UPDATE OF id, name ON {T} BEGIN
        INSERT INTO {TRI}(rowid, name) VALUES (new.id, new.name);
        INSERT INTO {BI}(rowid, grams) SELECT id, grams FROM {BI_SRC} WHERE id = new.id;
    END
    """,
]

SQLITE_POPULATE = [
    f"INSERT INTO {TRI}({TRI}) VALUES ('rebuild')",
    f"INSERT INTO {BI}({BI}) VALUES ('rebuild')",
]

SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {T}_search_ai",
    f"DROP TRIGGER IF EXISTS {T}_search_bd",
    f"DROP TRIGGER IF EXISTS {T}_search_bu",
    f"DROP TRIGGER IF EXISTS {T}_search_au",
    f"DROP TABLE IF EXISTS {BI}",
    f"DROP VIEW IF EXISTS {BI_SRC}",
    f"DROP TABLE IF EXISTS {TRI}",
]


def create_sqlite(schema_editor) -> None:  # noqa: ANN001 - a Django schema editor
    """Create, fill and wire the FTS5 tables; 'rebuild' reads every existing name once."""
    for sql in SQLITE_TABLES + SQLITE_POPULATE + SQLITE_TRIGGERS:
        schema_editor.execute(sql)


def drop_sqlite(schema_editor) -> None:  # noqa: ANN001
    for sql in SQLITE_BACKWARD:
        schema_editor.execute(sql)


def forwards(apps, schema_editor) -> None:  # noqa: ANN001
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for sql in PG_FORWARD:
            schema_editor.execute(sql)
    elif vendor == "sqlite":
        create_sqlite(schema_editor)
    # Other databases: no index; subjects.selectors falls back to a LIKE scan.


def backwards(apps, schema_editor) -> None:  # noqa: ANN001
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for sql in PG_BACKWARD:
            schema_editor.execute(sql)
    elif vendor == "sqlite":
        drop_sqlite(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("subjects", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
