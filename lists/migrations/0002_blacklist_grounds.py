"""Seed the catalogue of black-list grounds (清单管理, 国办发〔2020〕49号 (六)(七)).

Each ground names the record-catalogue codes that prove it (records/fixtures/record_types.json);
administrators edit the rows as data. Codes, not foreign keys, so this migration does not depend
on the record catalogue being loaded first.
"""

from django.db import migrations

GROUNDS = [
    ("fraud", "以欺骗、贿赂等不正当手段取得资质、资格、许可或备案",
     "《建筑市场信用管理暂行办法》（建市〔2017〕241号）第十四条第（一）项；国发〔2016〕33号；"
     "国办发〔2020〕49号（六）。", ["fraud"], 1, None),
    ("bank_debt_evasion", "恶意逃废银行债务",
     "国发〔2016〕33号（严重破坏市场公平竞争秩序和社会正常秩序的失信行为：恶意逃废债务）；"
     "国办发〔2020〕49号（六）。", ["bank_debt_evasion"], 1, None),
    ("tax_evasion", "偷逃税款（重大税收违法失信主体）",
     "国发〔2016〕33号（逃税骗税）；《重大税收违法失信主体信息公布管理办法》；"
     "国办发〔2020〕49号（六）。", ["tax_evasion"], 1, None),
    ("false_accounts", "提供虚假财务会计报告或虚假申报材料",
     "《建筑市场信用管理暂行办法》（建市〔2017〕241号）第十四条第（一）项；国发〔2016〕33号；"
     "国办发〔2020〕49号（六）。", ["false_accounts"], 1, None),
    ("qualification_lending", "转包、出借资质，受到行政处罚",
     "《建筑市场信用管理暂行办法》（建市〔2017〕241号）第十四条第（二）项。",
     ["qualification_lending", "illegal_subcontracting"], 1, None),
    ("major_accident", "发生重大及以上工程质量安全事故",
     "《建筑市场信用管理暂行办法》（建市〔2017〕241号）第十四条第（三）项。",
     ["accident_major"], 1, None),
    ("repeated_larger_accidents", "1年内累计发生2次及以上较大工程质量安全事故",
     "《建筑市场信用管理暂行办法》（建市〔2017〕241号）第十四条第（三）项。",
     ["accident_larger"], 2, 12),
    ("project_payment_default", "经法院判决或仲裁机构裁决认定拖欠工程款且拒不履行",
     "《建筑市场信用管理暂行办法》（建市〔2017〕241号）第十四条第（四）项。",
     ["project_payment_default"], 1, None),
    ("wage_arrears_blacklist", "被列入拖欠农民工工资失信联合惩戒对象名单",
     "《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》（人力资源社会保障部令第45号）；"
     "《建筑市场信用管理暂行办法》（建市〔2017〕241号）第十四条（参照执行）。",
     ["wage_arrears_blacklist"], 1, None),
]


def seed(apps, schema_editor):
    Ground = apps.get_model("lists", "BlacklistGround")
    for sort, (code, name, basis, types, minimum, window) in enumerate(GROUNDS, start=1):
        Ground.objects.update_or_create(code=code, defaults={
            "name": name, "legal_basis": basis, "record_type_codes": types,
            "min_records": minimum, "window_months": window, "sort": sort, "is_active": True,
        })


def unseed(apps, schema_editor):
    apps.get_model("lists", "BlacklistGround").objects.filter(
        code__in=[g[0] for g in GROUNDS], entries__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("lists", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
