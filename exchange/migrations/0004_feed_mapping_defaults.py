"""The shipped mapping table from 双公示 rows to the record catalogue (editable in the admin).

Penalty categories follow 《行政处罚法》(2021) 第九条; keyword rules (smaller priority numbers,
tried first) pick the catalogue's specific housing-sector types. Licence rules: none map to a
credit record by default (a licence is a neutral fact); administrators add rules where the
catalogue has a good record type for a licence.
"""

from django.db import migrations

PENALTY_RULES = [
    # (category contains, keyword, record type code, priority)
    ("", "预售", "presale_without_permit", 10),
    ("", "维修资金", "maintenance_fund_misuse", 10),
    ("", "农民工工资", "wage_arrears", 10),
    ("", "转包", "illegal_subcontracting", 10),
    ("", "违法分包", "illegal_subcontracting", 10),
    ("", "虚假广告", "false_advertising", 10),
    ("", "竣工验收", "delivery_without_acceptance", 10),
    ("", "押金", "rental_deposit_violation", 10),
    ("", "差价", "brokerage_spread_profit", 10),
    ("", "出借资质", "qualification_lending", 10),
    ("吊销", "", "penalty_licence_revocation", 50),
    ("责令关闭", "", "penalty_licence_revocation", 50),
    ("降低资质等级", "", "penalty_suspension", 50),
    ("责令停产停业", "", "penalty_suspension", 50),
    ("限制开展生产经营活动", "", "penalty_suspension", 50),
    ("暂扣", "", "penalty_suspension", 50),
    ("限制从业", "", "penalty_suspension", 50),
    ("没收", "", "penalty_confiscation", 60),
    ("罚款", "", "penalty_fine", 70),
    ("通报批评", "", "penalty_circulated_criticism", 80),
    ("警告", "", "penalty_warning", 90),
    ("", "", "penalty_fine", 1000),  # any other category: a general penalty, left to review
]


def forwards(apps, schema_editor):
    FeedMapping = apps.get_model("exchange", "FeedMapping")
    if FeedMapping.objects.exists():
        return
    FeedMapping.objects.bulk_create(
        FeedMapping(kind="CF", category=category, keyword=keyword, record_type_code=code,
                    priority=priority, note="shipped default")
        for category, keyword, code, priority in PENALTY_RULES
    )
    FeedMapping.objects.create(kind="XK", record_type_code="", priority=1000,
                               note="shipped default: licences are neutral facts")


def backwards(apps, schema_editor):
    apps.get_model("exchange", "FeedMapping").objects.filter(note__startswith="shipped").delete()


class Migration(migrations.Migration):
    dependencies = [("exchange", "0003_feeds_and_export_batches")]
    operations = [migrations.RunPython(forwards, backwards)]
