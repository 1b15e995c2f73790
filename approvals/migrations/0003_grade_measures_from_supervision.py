"""Rule set v2 (grade → measures read from the supervision measures table) and legal texts that
cite national and county rules only.

Rule set v1 stays as published (frozen; earlier checks name it). Matters and measures whose legal
basis still carries the shipped working notes ("[M]", "REFERENCE", another city's scheme) get
the new shipped text; a text an administrator rewrote without them is left alone.
"""

from django.db import migrations, models

WORKING_NOTES = ("[M]", "REFERENCE", "北海", "西安", "阜新", "宿州", "荣成", "海口", "天津")


def forward(apps, schema_editor):
    from approvals.catalogue import install, shipped

    install(apps, schema_editor)
    data = shipped()
    for model_name, rows in (("Measure", data["measures"]), ("Matter", data["matters"])):
        model = apps.get_model("approvals", model_name)
        for row in rows:
            for obj in model.objects.filter(code=row["code"]):
                if any(note in obj.legal_basis for note in WORKING_NOTES):
                    obj.legal_basis = row["basis"]
                    obj.save(update_fields=["legal_basis"])


class Migration(migrations.Migration):

    dependencies = [
        ('approvals', '0002_catalogue'),
    ]

    operations = [
        migrations.AlterField(
            model_name='rule',
            name='condition',
            field=models.CharField(choices=[('grade_top', "Grade among the model's top N grades"), ('grade_lowest', 'Lowest grade (or a veto grade)'), ('grade_in', 'Grade is one of the listed grades'), ('ungraded', 'No grade in the current batch'), ('red_list', 'On the red list'), ('black_list', 'On the black list'), ('key_supervision', 'Under key supervision'), ('clean_record', 'No bad record for N months'), ('bad_record', 'An effective bad record of the listed severities'), ('record_type', 'An effective record of the listed types'), ('grade_measures', 'Measures the supervision table gives the grade')], max_length=20, verbose_name='condition'),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
