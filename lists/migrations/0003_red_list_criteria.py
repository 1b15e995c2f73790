"""Seed red-list nomination criteria per category, matching the shipped scoring models' top
grades. Three consecutive evaluations and no bad record for 36 months follow 国发〔2016〕33号
("连续三年无不良信用记录"). Data: administrators edit or deactivate them. The legal bases cite
the national rule only; 0005 rewrites databases seeded by an earlier version of this migration,
which quoted other cities' schemes.
"""

from django.db import migrations

CRITERIA = [
    ("brokerage", "房地产经纪机构：连续3次评价为“优秀”且3年内无不良记录", "优秀",
     "国发〔2016〕33号（连续评价为最高等级且三年内无不良信用记录的，列入诚信红榜）。"),
    ("property_service", "物业服务企业：连续3次评价为AAA且3年内无不良记录", "AAA",
     "国发〔2016〕33号（连续三年无不良信用记录）。"),
    ("developer", "房地产开发企业：连续3次评价为A级且3年内无不良记录", "A",
     "国发〔2016〕33号（连续三年无不良信用记录）。"),
]


def seed(apps, schema_editor):
    Criterion = apps.get_model("lists", "RedListCriterion")
    for category, name, grade, basis in CRITERIA:
        Criterion.objects.get_or_create(category=category, name=name, defaults={
            "top_grade": grade, "consecutive_batches": 3, "clean_months": 36,
            "legal_basis": basis, "is_active": True})


def unseed(apps, schema_editor):
    apps.get_model("lists", "RedListCriterion").objects.filter(
        name__in=[c[1] for c in CRITERIA], entries__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("lists", "0002_blacklist_grounds")]
    operations = [migrations.RunPython(seed, unseed)]
