"""Red-list criteria cite the national rule only (国发〔2016〕33号), not another city's scheme."""

from django.db import migrations

BASIS = {
    "brokerage": "国发〔2016〕33号（连续评价为最高等级且三年内无不良信用记录的，列入诚信红榜）。",
    "property_service": "国发〔2016〕33号（连续三年无不良信用记录）。",
    "developer": "国发〔2016〕33号（连续三年无不良信用记录）。",
}
OTHER_PLACES = ("宿州", "荣成", "天津")


def forwards(apps, schema_editor):
    Criterion = apps.get_model("lists", "RedListCriterion")
    for row in Criterion.objects.all():
        if any(place in row.legal_basis for place in OTHER_PLACES) and row.category in BASIS:
            row.legal_basis = BASIS[row.category]
            row.save(update_fields=["legal_basis"])


class Migration(migrations.Migration):
    dependencies = [("lists", "0004_due_process_repair_and_holds")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
