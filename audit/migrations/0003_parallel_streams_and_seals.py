"""Parallel hash chains (streams) and seals (ADR 0006).

Existing events become stream 1 with `stream_seq = seq`; their hashes stay valid unchanged
(`audit.services.event_digest` leaves that combination out of the hashed body), and the old
single head row (id 1) is stream 1's head. Filling `stream_seq` is the one UPDATE this table
ever sees: the append-only triggers are dropped for it and re-created at the end (SQLite also
loses them when it rebuilds the table to add the columns).
"""

from django.db import migrations, models

SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_event_no_update;",
    "DROP TRIGGER IF EXISTS audit_event_no_delete;",
]
POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql;""",
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change();",
]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS audit_event_no_change ON audit_auditevent;"]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql)


def fill_positions(apps, schema_editor):
    """Every existing event is in stream 1 at its own sequence number."""
    postgres = schema_editor.connection.vendor == "postgresql"
    _run(schema_editor, POSTGRES_DROP if postgres else SQLITE_DROP)
    schema_editor.execute("UPDATE audit_auditevent SET stream = 1, stream_seq = seq "
                          "WHERE stream_seq IS NULL")
    schema_editor.execute("UPDATE audit_chainhead SET event_seq = seq WHERE id = 1")


def create_heads(apps, schema_editor):
    """The seal stream (0) and the writer streams' head rows, so writers only ever lock."""
    from django.conf import settings

    head = apps.get_model("audit", "ChainHead")
    count = max(1, int(getattr(settings, "AUDIT_STREAMS", 16)))
    head.objects.bulk_create([head(id=i, seq=0, hash="0" * 64, event_seq=0)
                              for i in range(count + 1)], ignore_conflicts=True)


def restore_triggers(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    _run(schema_editor, POSTGRES_DROP if postgres else SQLITE_DROP)
    _run(schema_editor, POSTGRES_TRIGGERS if postgres else SQLITE_TRIGGERS)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [
        migrations.AddField(
            model_name="auditevent", name="stream",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="stream"),
        ),
        migrations.AddField(
            model_name="auditevent", name="stream_seq",
            field=models.BigIntegerField(null=True, verbose_name="position in stream"),
        ),
        migrations.AddField(
            model_name="chainhead", name="event_seq",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(fill_positions, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent", name="stream_seq",
            field=models.BigIntegerField(verbose_name="position in stream"),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("stream", "stream_seq"),
                                               name="audit_stream_position_uniq"),
        ),
        migrations.RunPython(create_heads, migrations.RunPython.noop),
        migrations.RunPython(restore_triggers, migrations.RunPython.noop),
    ]
