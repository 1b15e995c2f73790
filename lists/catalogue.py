"""Record types through which list decisions feed back into the credit archive.

A listing, a commendation or an industry sanction is fed back as a credit record of one of these
types (DESIGN.md: feedback travels as records), so the scoring models see it like any other
record: `blacklisted` is a severe bad record, which the scoring veto (一票否决) turns into the
lowest grade, and the subject page shows it.

The types are created on first use (get_or_create by code) rather than by a data migration:
`manage.py bootstrap` loads the record catalogue fixture only into an empty catalogue, and a
migration-created row would make it skip the whole fixture. Administrators may edit the created
rows like any catalogue entry; only a missing code is (re)created from here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from records import rules
from records.models import Polarity, RecordType, Severity

DERIVED_TYPES: dict[str, dict[str, Any]] = {
    "blacklisted": {
        "name": "列入严重失信主体名单（黑名单）",
        "group": "list",
        "polarity": Polarity.BAD,
        "severity": Severity.SEVERE,
        "default_points": Decimal("-30.00"),
        "publicity_months": 36,
        "legal_basis": "《建筑市场信用管理暂行办法》（建市〔2017〕241号）"
                       "第十四条、第十六条、第十七条；"
                       "国办发〔2020〕49号（六）至（八）；《全国公共信用信息基础目录》"
                       "第6类“严重失信主体名单信息”。本记录随名单存续：名单期满、移出或信用修复之日"
                       "起终止公示（国办发〔2020〕49号（七）；发改委令第36号）。",
    },
    "redlisted": {
        "name": "列入诚信红榜",
        "group": "list",
        "polarity": Polarity.GOOD,
        "severity": "",
        "default_points": Decimal("5.00"),
        "publicity_months": 36,
        "legal_basis": "国发〔2016〕33号（守信激励）；《建筑市场信用管理暂行办法》"
                       "（建市〔2017〕241号）第十条（优良信用信息公示期限一般为3年）、第十二条。",
    },
    "sanction_warning": {
        "name": "行业惩戒：警告",
        "group": "sanction",
        "polarity": Polarity.BAD,
        "severity": Severity.GENERAL,
        "default_points": Decimal("-2.00"),
        "publicity_months": 6,
        "legal_basis": "行业主管部门、行业协会行业惩戒（警告）；《全国失信惩戒措施基础清单》；"
                       "公示期6个月（建市〔2017〕241号第十条：不良信息公示6个月至3年）。",
    },
    "sanction_criticism": {
        "name": "行业惩戒：通报批评",
        "group": "sanction",
        "polarity": Polarity.BAD,
        "severity": Severity.GENERAL,
        "default_points": Decimal("-3.00"),
        "publicity_months": 6,
        "legal_basis": "行业惩戒（通报批评，《中华人民共和国行政处罚法》第九条）；"
                       "《全国失信惩戒措施基础清单》；公示期6个月（建市〔2017〕241号第十条）。",
    },
    "sanction_condemnation": {
        "name": "行业惩戒：公开谴责",
        "group": "sanction",
        "polarity": Polarity.BAD,
        "severity": Severity.SERIOUS,
        "default_points": Decimal("-8.00"),
        "publicity_months": 12,
        "legal_basis": "行业惩戒（公开谴责）；《全国失信惩戒措施基础清单》；"
                       "公示期12个月（建市〔2017〕241号第十条；发改委令第58号）。",
    },
}


def derived_record_type(code: str) -> RecordType:
    """The catalogue row for `code`, created from `DERIVED_TYPES` if the catalogue lacks it.

    A row created by an earlier version with a default period outside today's legal band
    (`records.rules.publicity_band`) is brought back to the shipped period, so a list decision
    never fails on a default nobody chose.
    """
    spec = DERIVED_TYPES[code]
    record_type, _ = RecordType.objects.get_or_create(
        code=code, defaults={**spec, "is_public": True, "is_active": True}
    )
    if rules.publicity_period_problem(record_type=record_type,
                                      months=record_type.publicity_months):
        record_type.publicity_months = spec["publicity_months"]
        record_type.save(update_fields=["publicity_months"])
    return record_type
