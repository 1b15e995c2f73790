"""The property-service model's veto grade is "D" (严重失信), no longer "BLACKLIST".

The grade is the scoring model's grade; being on the black list is shown beside it (lists),
never as a grade of its own (issue 10). The shipped model now fixes 严重失信 at "D", a grade
below C, so the supervision measures keyed by grade follow: each row graded "BLACKLIST" is
renamed "D" where its category has no "D" row yet (a row an administrator already made for "D"
is kept and the old row is left for them to delete). The shipped text's grade label is updated
with it; an administrator's own text is left alone.

Not audited: like the other data migrations of this project it is a deployment step, and the
row keeps its `updated_at` and every administrator-set value (ratio, frequency, measures).
Evaluations already stored with "BLACKLIST" are history; the next re-grade writes "D".
"""

from django.db import migrations

OLD, NEW = "BLACKLIST", "D"


def forward(apps, schema_editor):
    measure = apps.get_model("supervision", "SupervisionMeasure")
    for row in measure.objects.filter(grade=OLD):
        if measure.objects.filter(category=row.category, grade=NEW).exists():
            continue
        row.grade = NEW
        row.legal_basis = row.legal_basis.replace(f"评价等级“{OLD}”", f"评价等级“{NEW}”（严重失信）")
        row.save(update_fields=["grade", "legal_basis"])


def backward(apps, schema_editor):
    """Undo only for the category whose shipped model used "BLACKLIST" (property service)."""
    measure = apps.get_model("supervision", "SupervisionMeasure")
    for row in measure.objects.filter(category="property_service", grade=NEW):
        if measure.objects.filter(category=row.category, grade=OLD).exists():
            continue
        row.grade = OLD
        row.legal_basis = row.legal_basis.replace(f"评价等级“{NEW}”（严重失信）", f"评价等级“{OLD}”")
        row.save(update_fields=["grade", "legal_basis"])


class Migration(migrations.Migration):
    dependencies = [("supervision", "0002_measure_texts_cite_national_rules")]

    operations = [migrations.RunPython(forward, backward)]
