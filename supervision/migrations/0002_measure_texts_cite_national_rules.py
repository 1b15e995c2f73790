"""Shipped supervision measures cite national and county rules only, and top grades carry
"priority handling" (the window's measure of the same name reads it from here).

Only rows still carrying the shipped working notes ("REFERENCE", "[M]") are rewritten from the
fixture; a row an administrator edited into their own text is left alone. Rows for new grades
and categories are added by `manage.py supervision_defaults` (run by bootstrap), as before.
"""

import json
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "supervision_measures.json"


def forward(apps, schema_editor):
    model = apps.get_model("supervision", "SupervisionMeasure")
    shipped = {(e["fields"]["category"], e["fields"]["grade"]): e["fields"]
               for e in json.loads(FIXTURE.read_text(encoding="utf-8"))}
    for row in model.objects.all():
        fields = shipped.get((row.category, row.grade))
        if fields is None or not ("REFERENCE" in row.legal_basis or "[M]" in row.legal_basis):
            continue
        row.legal_basis = fields["legal_basis"]
        if "green_channel" in row.incentives and "priority_handling" not in row.incentives:
            row.incentives = [*row.incentives, "priority_handling"]
        row.save(update_fields=["legal_basis", "incentives"])


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
