"""The record catalogue's legal bases cite national and this county's rules only: drop the
"参照…地…" sentences that named another city's scoring practice (rows an administrator rewrote
without such a sentence are left as they are)."""

import re

from django.db import migrations

_OTHER_PLACE = re.compile(r"参照[^。]*。")


def forwards(apps, schema_editor):
    RecordType = apps.get_model("records", "RecordType")
    for row in RecordType.objects.filter(legal_basis__contains="参照"):
        row.legal_basis = _OTHER_PLACE.sub("", row.legal_basis)
        row.save(update_fields=["legal_basis"])


class Migration(migrations.Migration):
    dependencies = [("records", "0003_publicity_band_and_credit_repair")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
