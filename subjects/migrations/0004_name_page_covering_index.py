"""PostgreSQL: a covering index for the first page of a broad name search (issue 14).

A one-character query ("鑫") matches tens of thousands of names, so its first page walks the
subject table's name index in name order and keeps the names containing the term
(`subjects.prepared.broad_first_page`). With the plain name index every index entry read is
also a heap fetch (the name is re-checked from the row, and the row carries every column):
at 1,000,000 subjects about 2,200 entries, 2,269 buffers, 7.5 ms for a page of 20. This
index holds the name, the id and the two filter columns (category, kind), so the walk is an
index-only scan (31 buffers, 0.7 ms, measured on the same data) and only the page's 20 rows
are then read by primary key. An index-only scan needs the visibility map that (auto)vacuum
keeps; before that PostgreSQL falls back to fetching rows, the cost of today.

SQLite: nothing to do. Its index on the name already carries the rowid (the id), and it
reads the row only for entries that pass the name test.

Not in model Meta (INCLUDE is PostgreSQL's alone, and SQLite would get a useless copy of its
name index), as with the search indexes of migration 0002.
"""

from __future__ import annotations

from django.db import migrations

INDEX = "subject_name_page_idx"
PG_FORWARD = (f"CREATE INDEX IF NOT EXISTS {INDEX} ON subjects_subject (name, id) "
              "INCLUDE (category, kind)")
PG_BACKWARD = f"DROP INDEX IF EXISTS {INDEX}"


def forwards(apps, schema_editor) -> None:  # noqa: ANN001 - a Django schema editor
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)


def backwards(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("subjects", "0003_bigram_prefix_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
