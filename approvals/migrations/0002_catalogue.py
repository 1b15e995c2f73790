"""Seed the shipped catalogue: matters with materials, measures, rule set v1 (approvals.catalogue)."""

from django.db import migrations


def seed(apps, schema_editor):
    from approvals.catalogue import install

    install(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("approvals", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
