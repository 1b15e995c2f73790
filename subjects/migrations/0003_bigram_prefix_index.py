"""SQLite: a prefix index on the hex-bigram FTS5 table, for one-character name search.

A one-character query is a prefix query on the bigram tokens ("鑫" → every pair starting with
鑫). Without a prefix index FTS5 reads and merges the list of every such pair before the first
row (at 1,000,000 names, "鑫": 35–110 ms to learn that more than 1,000 names match); with
`prefix='6'` (a Chinese character is 3 UTF-8 bytes, 6 hex digits) it reads one list and stops
when it has enough (0.1–0.3 ms). Measured in issue 14; see ADR 0003.

Migration 0002 now creates the table with the prefix index; this rebuilds it where 0002 ran
before that (the table is only an index: its rows are recomputed from subjects_subjectname).
The triggers of 0002 name the table and keep working. PostgreSQL: nothing to do (its gram
index holds single characters as keys).
"""

from __future__ import annotations

import importlib

from django.db import migrations

search = importlib.import_module("subjects.migrations.0002_name_search")
BI, BI_SRC = search.BI, search.BI_SRC


def _create(schema_editor, options: str) -> None:  # noqa: ANN001 - a Django schema editor
    schema_editor.execute(f"DROP TABLE IF EXISTS {BI}")
    schema_editor.execute(
        f"CREATE VIRTUAL TABLE {BI} USING fts5(grams, content='{BI_SRC}', content_rowid='id', "
        f"tokenize='unicode61', detail='none'{options})")
    schema_editor.execute(f"INSERT INTO {BI}({BI}) VALUES ('rebuild')")


def _has_prefix_index(schema_editor) -> bool:  # noqa: ANN001
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [BI])
        row = cursor.fetchone()
    return row is not None and "prefix=" in row[0]


def forwards(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor == "sqlite" and not _has_prefix_index(schema_editor):
        _create(schema_editor, ", prefix='6'")


def backwards(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor == "sqlite" and _has_prefix_index(schema_editor):
        _create(schema_editor, "")


class Migration(migrations.Migration):
    dependencies = [("subjects", "0002_name_search")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
