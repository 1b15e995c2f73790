"""A synthetic, deterministic demo county (武陟县-like, 焦作市) for demonstrations and load tests.

The generator and the writer are kept apart on purpose:

- `CountyGenerator` is pure: from a seed and a reference date it yields plain dicts (subjects,
  name history, credit records) that refer to each other by *position in this run*, never by
  database id. The same seed therefore yields the same rows on SQLite, PostgreSQL or no database
  at all, which is what the determinism test hashes (`rows_digest`).
- `seed()` streams those rows into the database chunk by chunk with raw multi-row inserts,
  capturing the ids each chunk received as an id range, so a million subjects and ten million
  records never sit in memory together.

Everything here is demo data. Departments and demo staff are created through the accounts
services (each audited); subjects and records bypass the per-row services for speed, and one
recorded genesis event (`demo.seed`) covers them: it names the seed, the sizes and the SHA-256 of
every generated row (the same digest `rows_digest` computes without a database), so the audit
chain that `verify_audit` checks attests exactly which demo county was written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
from array import array
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate
from operator import itemgetter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from common.errors import Conflict, ValidationFailed
from subjects.identifiers import (
    ID_CHECK,
    ID_WEIGHTS,
    USCC_CHARSET,
    org_code_check_char,
    uscc_check_char,
)

# "Today" for generated data: a fixed date, so a seed means the same county on any day.
AS_OF = dt.date(2026, 11, 1)
CHUNK_SIZE = 5000
DEFAULTS = {"subjects": 600, "practitioners": 300, "records": 5000}
FIXTURE = Path(__file__).resolve().parent.parent / "records" / "fixtures" / "record_types.json"

CATEGORIES = ("developer", "property_service", "brokerage", "rental", "builder", "practitioner")
ENTERPRISE_CATEGORIES = CATEGORIES[:5]
PRACTITIONER = CATEGORIES.index("practitioner")
NO_EMPLOYER = 255
CATEGORY_WEIGHTS = (20, 25, 20, 10, 25)

# --- departments and demo staff -----------------------------------------------------------------

LEAD = "lead"
EXTERNAL = "credit-platform"
DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    (LEAD, "住房保障中心", "lead"),
    ("fgs", "房地产市场管理股", "cooperating"),
    ("wyg", "物业管理股", "cooperating"),
    ("zls", "住房租赁管理所", "cooperating"),
    ("jzs", "建筑业管理室", "cooperating"),
    (EXTERNAL, "公共信用信息平台", "external"),
)
# Department that enters records about each category (practitioners: their employer's).
CATEGORY_DEPARTMENT = {
    "developer": "fgs", "brokerage": "fgs", "property_service": "wyg", "rental": "zls",
    "builder": "jzs", "practitioner": "fgs",
}
DOC_PREFIX = {LEAD: "武住保", "fgs": "武房市", "wyg": "武房物", "zls": "武房租", "jzs": "武建管"}
# username, department code, role, display name
USERS: tuple[tuple[str, str, str, str], ...] = (
    ("clerk_fgs", "fgs", "clerk", "李娜"),
    ("clerk_wyg", "wyg", "clerk", "王磊"),
    ("clerk_zls", "zls", "clerk", "赵敏"),
    ("clerk_jzs", "jzs", "clerk", "刘洋"),
    ("clerk_xyp", EXTERNAL, "clerk", "信用平台数据交换"),
    ("reviewer_a", LEAD, "lead_reviewer", "张伟"),
    ("reviewer_b", LEAD, "lead_reviewer", "陈静"),
    ("window_a", LEAD, "window_officer", "杨帆"),
    ("leader_a", LEAD, "leader", "周建国"),
    ("auditor_a", LEAD, "auditor", "吴慧"),
)
DEPARTMENT_CLERK = {"fgs": "clerk_fgs", "wyg": "clerk_wyg", "zls": "clerk_zls",
                    "jzs": "clerk_jzs", EXTERNAL: "clerk_xyp"}
REVIEWERS = ("reviewer_a", "reviewer_b")

def _department_credit_code(serial: int) -> str:
    """A made-up but valid (GB 32100) credit code of a 武陟县 government organ (登记管理部门 1,
    机构类别 1), so that the demo's 双公示 export fills the deciding authority's code."""
    from common.identifiers import org_code_check_char, uscc_check_char

    organ = f"{5_500_000 + serial:08d}"
    first17 = "11410823" + organ + org_code_check_char(organ)
    return first17 + uscc_check_char(first17)


# --- places (GB/T 2260, 焦作市) ------------------------------------------------------------------

# region code, name prefix used in company names, area in addresses, towns/streets, weight
REGIONS: tuple[tuple[str, str, str, tuple[str, ...], int], ...] = (
    ("410823", "武陟县", "武陟县", ("木城街道", "龙源街道", "木栾街道", "龙泉街道", "三阳乡",
                                     "大封镇", "乔庙镇", "西陶镇", "谢旗营镇", "詹店镇",
                                     "嘉应观乡", "圪垱店乡", "小董乡", "北郭乡"), 50),
    ("410800", "焦作市", "示范区", ("文苑街道", "苏家作街道", "阳庙镇"), 12),
    ("410802", "焦作市", "解放区", ("焦西街道", "民主街道", "焦南街道"), 4),
    ("410803", "焦作市", "中站区", ("府城街道", "李封街道"), 2),
    ("410804", "焦作市", "马村区", ("马村街道", "待王街道"), 2),
    ("410811", "焦作市", "山阳区", ("东方红街道", "定和街道", "百间房街道"), 4),
    ("410821", "修武县", "修武县", ("城关镇", "七贤镇", "郇封镇"), 4),
    ("410822", "博爱县", "博爱县", ("清化镇街道", "许良镇", "柏山镇"), 4),
    ("410825", "温县", "温县", ("温泉街道", "岳村街道", "赵堡镇"), 5),
    ("410882", "沁阳市", "沁阳市", ("覃怀街道", "太行街道", "怀庆街道"), 5),
    ("410883", "孟州市", "孟州市", ("会昌街道", "河雍街道", "大定街道"), 5),
)
REGION_CUM = tuple(accumulate(r[4] for r in REGIONS))
ID_REGIONS = ("410802", "410803", "410804", "410811", "410821", "410822", "410823", "410825",
              "410882", "410883")
ROADS = ("人民路", "建设路", "解放路", "民主路", "文化路", "兴华路", "朝阳路", "太行路",
         "迎宾大道", "长安路", "育才路", "工业路", "健康路", "和平路", "沁河路", "怀府路",
         "龙源路", "木栾大道", "世纪大道", "黄河路")

# --- names -------------------------------------------------------------------------------------

TRADE_FIRST = "鑫嘉恒华永盛锦宏瑞天金祥安福德兴润泰鸿宇昌隆汇博怀豫沁覃丰佳康荣新明正诚信和创"
TRADE_SECOND = "源和泰宇安世华达丰鼎居瑞润业昌隆通基诚邦城峰辉阳晟悦远利成"
COMPANY_SUFFIX: dict[str, tuple[str, ...]] = {
    "developer": ("房地产开发有限公司", "置业有限公司", "房地产有限公司"),
    "property_service": ("物业服务有限公司", "物业管理有限公司"),
    "brokerage": ("房地产经纪有限公司", "不动产经纪有限公司", "房产经纪服务有限公司"),
    "rental": ("住房租赁有限公司", "房屋租赁有限公司", "公寓管理有限公司"),
    "builder": ("建筑工程有限公司", "建设集团有限公司", "建筑安装工程有限公司"),
}
QUALIFICATIONS: dict[str, tuple[str, ...]] = {
    "developer": ("房地产开发企业一级资质", "房地产开发企业二级资质",
                  "房地产开发企业二级资质", "房地产开发企业二级资质"),
    "property_service": ("",),
    "brokerage": ("房地产经纪机构备案",),
    "rental": ("住房租赁企业开业报告",),
    "builder": ("建筑工程施工总承包二级", "建筑工程施工总承包三级", "市政公用工程施工总承包三级",
                "建筑装修装饰工程专业承包二级"),
    "practitioner": ("",),
}
PRACTITIONER_QUALIFICATIONS: dict[str, tuple[str, ...]] = {
    "developer": ("房地产开发项目负责人", "商品房销售人员"),
    "property_service": ("物业项目经理", "物业服务人员"),
    "brokerage": ("房地产经纪人", "房地产经纪人协理", "房地产经纪人协理"),
    "rental": ("住房租赁从业人员",),
    "builder": ("二级建造师", "一级建造师", "二级建造师"),
}
SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕"
            "苏卢蒋蔡贾丁魏薛叶闫余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江"
            "史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林阳建国峰亮成东志文海"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英丹萍红燕琳雪慧颖洁倩婷璐晶欣悦佳蕾梅兰凤云莉"
MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152",
                   "155", "156", "157", "158", "159", "166", "177", "180", "182", "183", "185",
                   "186", "187", "188", "189", "199")
PROJECT_WORDS = ("锦绣", "金域", "翡翠", "和谐", "阳光", "幸福", "龙源", "木栾", "怀府", "嘉应",
                 "御景", "世纪", "书香", "康城", "盛世", "滨河", "沁园", "太行", "春晓", "泰和")
PROJECT_SUFFIXES = ("华庭", "花园", "小区", "家园", "名苑", "府", "公馆", "新城", "雅苑", "佳苑")
SERVICES = ("商品房预售许可", "房地产开发企业资质核定", "物业服务项目备案", "住房租赁企业开业报告",
            "建筑工程施工许可", "房地产经纪机构备案")

# --- record catalogue: how the demo uses each type ---------------------------------------------

ALL_ENTERPRISES = frozenset(ENTERPRISE_CATEGORIES)
EVERYONE = frozenset(CATEGORIES)
# Which subjects a type plausibly concerns; codes not listed here concern everyone, so an
# administrator's new catalogue entry still shows up in demo data.
AFFINITY: dict[str, frozenset[str]] = {
    "presale_without_permit": frozenset({"developer"}),
    "delivery_without_acceptance": frozenset({"developer"}),
    "false_advertising": frozenset({"developer", "brokerage", "rental"}),
    "maintenance_fund_misuse": frozenset({"property_service", "developer"}),
    "property_fee_violation": frozenset({"property_service"}),
    "property_handover_refusal": frozenset({"property_service"}),
    "brokerage_unfiled": frozenset({"brokerage", "practitioner"}),
    "brokerage_spread_profit": frozenset({"brokerage", "practitioner"}),
    "rental_deposit_violation": frozenset({"rental", "brokerage"}),
    "rental_unregistered": frozenset({"rental", "brokerage"}),
    "wage_arrears": frozenset({"builder", "developer", "property_service"}),
    "wage_arrears_blacklist": frozenset({"builder", "developer"}),
    "illegal_subcontracting": frozenset({"builder"}),
    "qualification_lending": frozenset({"builder"}),
    "project_payment_default": frozenset({"developer", "builder"}),
    "accident_larger": frozenset({"builder", "developer"}),
    "accident_major": frozenset({"builder", "developer"}),
    "award_quality_project": frozenset({"builder", "developer"}),
    "award_model_property_project": frozenset({"property_service"}),
    "rating_satisfaction": frozenset({"property_service", "rental", "brokerage"}),
    # ratings and commendations of agencies and associations concern enterprises only
    "third_party_rating_aaa": ALL_ENTERPRISES,
    "third_party_rating_aa": ALL_ENTERPRISES,
    "association_rating_excellent": ALL_ENTERPRISES,
    "association_commendation": ALL_ENTERPRISES,
    "penalty_confiscation": ALL_ENTERPRISES,
    "penalty_suspension": ALL_ENTERPRISES,
    "penalty_licence_revocation": ALL_ENTERPRISES,
    "bank_debt_evasion": ALL_ENTERPRISES,
    "tax_evasion": ALL_ENTERPRISES,
    "false_accounts": ALL_ENTERPRISES,
    "inspection_failed": ALL_ENTERPRISES,
    "inspection_good": ALL_ENTERPRISES,
}
# Relative frequency: minor matters are common, blacklist grounds rare.
BASE_WEIGHT = {("good", ""): 4.0, ("bad", "general"): 8.0, ("bad", "serious"): 2.0,
               ("bad", "severe"): 0.4}
WEIGHT = {
    "complaint_verified": 20, "penalty_warning": 10, "penalty_fine": 12, "inspection_good": 10,
    "inspection_failed": 6, "commitment_kept": 6, "commendation_national": 0.3,
    "commendation_provincial": 1, "commendation_city": 3, "commendation_county": 5,
    "accident_larger": 0.4, "accident_major": 0.1, "penalty_licence_revocation": 0.3,
    # third-party information is rarer than the authorities' own records
    "third_party_rating_aaa": 0.5, "third_party_rating_aa": 1, "association_rating_excellent": 0.5,
    "association_commendation": 1,
}
# Yuan; fines and confiscations carry an amount that scoring models may read.
AMOUNT_RANGES = {
    "penalty_fine": (2_000, 100_000), "penalty_confiscation": (10_000, 500_000),
    "presale_without_permit": (20_000, 300_000), "false_advertising": (10_000, 200_000),
    "delivery_without_acceptance": (50_000, 400_000), "maintenance_fund_misuse": (20_000, 400_000),
    "property_fee_violation": (5_000, 50_000), "brokerage_unfiled": (10_000, 30_000),
    "brokerage_spread_profit": (10_000, 30_000), "rental_deposit_violation": (5_000, 100_000),
    "rental_unregistered": (1_000, 10_000), "wage_arrears": (20_000, 100_000),
    "illegal_subcontracting": (50_000, 500_000), "accident_larger": (1_000_000, 2_000_000),
    "accident_major": (2_000_000, 5_000_000),
}
LEVELS = ("national", "provincial", "city", "county")
LEVEL_CUM = tuple(accumulate((1, 4, 8, 6)))  # award levels: county and city awards are common
# Records these types come in through the public credit platform, numbered by the issuer.
EXTERNAL_TYPES = {
    "judgement_defaulter": "（{y}）豫08{court}执{n}号",
    "project_payment_default": "（{y}）豫08{court}民初{n}号",
    "tax_evasion": "焦税稽罚〔{y}〕{n}号",
    "bank_debt_evasion": "焦信用共享〔{y}〕第{n:04d}号",
    "false_accounts": "焦市监处罚〔{y}〕{n}号",
    "wage_arrears_blacklist": "焦人社失惩〔{y}〕{n}号",
}
COURTS = ("23", "23", "23", "21", "22", "25", "82", "83", "02", "11")
COMMENDATION_DOCS = {
    "commendation_national": "建办〔{y}〕{n}号", "commendation_provincial": "豫建〔{y}〕{n}号",
    "commendation_city": "焦政〔{y}〕{n}号", "commendation_county": "武政〔{y}〕{n}号",
}
GROUP_WORD = {"penalty": "罚字", "complaint": "诉字", "commitment": "诺字", "inspection": "查字",
              "award": "奖字", "rating": "评字", "accident": "事字", "blacklist_ground": "罚字"}
DESCRIPTIONS = {
    "penalty": "经查，当事人在{project}项目中存在“{type}”情形，依法作出处理决定。",
    "complaint": "业主反映{project}项目相关问题，经核实投诉属实：{type}。",
    "judgement": "经人民法院生效法律文书确认：{type}。",
    "commitment": "当事人办理{service}时作出信用承诺：{type}。",
    "blacklist_ground": "{type}，经认定属于严重失信情形。",
    "accident": "{project}项目{type}，经事故调查认定当事人负有责任。",
    "inspection": "{y}年度“双随机、一公开”抽查（{project}项目）：{type}。",
}
NUMBER_RE = re.compile(r"^(.*?)(\d+)号$")


@dataclass(frozen=True)
class _TypePlan:
    """Per-type constants worked out once, so the per-record loop only reads attributes."""

    code: str
    bad: bool
    months: int
    is_public: bool
    affinity: frozenset[str]
    external: str | None
    commendation: str | None
    word: str
    amount: tuple[int, ...] | None
    level: str
    description: str
    weight: float


@dataclass(frozen=True)
class TypeSpec:
    """What the generator needs from one catalogue entry."""

    code: str
    name: str
    group: str
    polarity: str
    severity: str
    publicity_months: int
    is_public: bool


def catalogue_from_fixture(path: Path = FIXTURE) -> list[TypeSpec]:
    """The shipped catalogue without a database, so the generator can be hashed offline."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    specs = [
        TypeSpec(code=f["code"], name=f["name"], group=f.get("group", ""), polarity=f["polarity"],
                 severity=f.get("severity", ""), publicity_months=int(f["publicity_months"]),
                 is_public=bool(f.get("is_public", True)))
        for f in (r["fields"] for r in rows) if f.get("is_active", True)
    ]
    return sorted(specs, key=lambda s: s.code)


def catalogue_from_db() -> list[TypeSpec]:
    """The active catalogue as administrators left it; loads the shipped one if it is empty."""
    from records.models import RecordType

    if not RecordType.objects.exists():
        call_command("loaddata", "record_types", verbosity=0)
    specs = [
        TypeSpec(code=t.code, name=t.name, group=t.group, polarity=t.polarity,
                 severity=t.severity, publicity_months=t.publicity_months, is_public=t.is_public)
        for t in RecordType.objects.filter(is_active=True)
    ]
    return sorted(specs, key=lambda s: s.code)


# --- identifiers -------------------------------------------------------------------------------

_ORG_SPACE = 31 ** 6  # "MA" + 6 characters: the post-2015 market-regulation organisation codes
_OLD_SPACE = 10 ** 8  # all-digit organisation codes carried over from before 2015
_ID_DAYS = (dt.date(2000, 12, 31) - dt.date(1960, 1, 1)).days + 1
_ID_SPACE = len(ID_REGIONS) * _ID_DAYS * 1000
_ID_FIRST_DAY = dt.date(1960, 1, 1).toordinal()


def _scramble(index: int, space: int, multiplier: int, offset: int) -> int:
    """A bijection on range(space): sequential indices get unrelated-looking, never-equal codes.

    `multiplier` is coprime with `space`, so continuing the index in an --append run can never
    reproduce a code from an earlier run, whatever the seed.
    """
    return (index * multiplier + offset) % space


def enterprise_code(index: int, region: str, *, new_style: bool) -> str:
    """A USCC that passes GB 32100 and the embedded GB 11714 check (authority 9, type 1)."""
    if new_style:
        k = _scramble(index, _ORG_SPACE, 387_420_493, 12_345_678)
        body = "MA"
        for _i in range(6):
            k, digit = divmod(k, 31)
            body += USCC_CHARSET[digit]
    else:
        body = f"{_scramble(index, _OLD_SPACE, 48_271_093, 31_415_926):08d}"
    org = body + org_code_check_char(body)
    first17 = "91" + region + org
    return first17 + uscc_check_char(first17)


def id_number(index: int) -> tuple[str, dt.date, bool]:
    """A GB 11643 resident ID (焦作 address, born 1960-2000), with the birth date and sex."""
    k = _scramble(index, _ID_SPACE, 104_729, 7_777_777)
    k, region = divmod(k, len(ID_REGIONS))
    sequence, day = divmod(k, _ID_DAYS)
    born = dt.date.fromordinal(_ID_FIRST_DAY + day)
    first17 = f"{ID_REGIONS[region]}{born:%Y%m%d}{sequence:03d}"
    check = ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]
    return first17 + check, born, sequence % 2 == 1


# --- the generator -----------------------------------------------------------------------------

@lru_cache(maxsize=65536)
def _plus_months(ordinal: int, months: int) -> dt.date:
    """The platform's own publicity rule, memoised: decision dates repeat across records."""
    from records.rules import publicity_end_date

    return publicity_end_date(record_type=SimpleNamespace(publicity_months=months),
                              decided_on=dt.date.fromordinal(ordinal))


@lru_cache(maxsize=8192)
def _date(ordinal: int) -> dt.date:
    """Records share a few thousand dates; building each date object once saves real time."""
    return dt.date.fromordinal(ordinal)


@lru_cache(maxsize=8192)
def _day_start(ordinal: int) -> dt.datetime:
    """Local (UTC+8) midnight of a day as an aware UTC datetime; add minutes for a time."""
    return _utc(dt.date.fromordinal(ordinal), 0)


def _utc(day: dt.date, local_minutes: int) -> dt.datetime:
    """A local (UTC+8) wall-clock time on `day` as an aware UTC datetime, with no tz lookups."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(
        minutes=local_minutes - 480
    )


class CountyGenerator:
    """Yields the demo county's rows; holds only per-subject bytes, never rows.

    Three independent random streams (enterprises, practitioners, records) derived from the
    seed keep each part stable when another part's size changes: a run with more records still
    has the same subjects.
    """

    def __init__(
        self, *, seed: int, as_of: dt.date = AS_OF, enterprise_offset: int = 0,
        practitioner_offset: int = 0, number_offsets: dict[tuple[str, str], int] | None = None,
    ) -> None:
        self.seed = seed
        self.as_of = as_of
        self.enterprise_offset = enterprise_offset
        self.practitioner_offset = practitioner_offset
        self.window_start = as_of - relativedelta(years=4)
        self.import_day = as_of - relativedelta(years=4, months=2)
        # Per subject in this run: category, and the first day it can carry a record.
        self.enterprise_categories = bytearray()
        self.enterprise_since = array("l")
        self.practitioner_employer_categories = bytearray()
        self.practitioner_since = array("l")
        self.counters: dict[tuple[str, str], int] = dict(number_offsets or {})

    def _rng(self, part: str) -> random.Random:
        """A private stream per part: never the global `random`, whose state anything may touch."""
        return random.Random(f"hc-demo/{self.seed}/{part}")

    # -- people and places --
    @staticmethod
    def _person(rng: random.Random, male: bool) -> str:
        """A plausible name whose given name matches the sex an ID number encodes."""
        given = GIVEN_MALE if male else GIVEN_FEMALE
        name = rng.choice(SURNAMES) + rng.choice(given)
        return name + rng.choice(given) if rng.random() < 0.6 else name

    @staticmethod
    def _mobile(rng: random.Random) -> str:
        """Real mainland prefixes, so phone masking and validation see realistic input."""
        return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"

    def _day_between(self, rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
        """Inclusive, and tolerant of an empty range (young subjects near the reference date)."""
        span = (last - first).days
        return first + dt.timedelta(days=rng.randint(0, max(span, 0)))

    # -- enterprises --
    def enterprises(self, count: int) -> Iterator[dict[str, Any]]:
        """Enterprise subjects; each dict also carries `names`, its SubjectName history."""
        rng = self._rng("enterprises")
        latest_established = self.as_of - relativedelta(years=1)
        for i in range(count):
            category = ENTERPRISE_CATEGORIES[i] if i < len(ENTERPRISE_CATEGORIES) else rng.choices(
                ENTERPRISE_CATEGORIES, weights=CATEGORY_WEIGHTS)[0]
            region, place, area, towns, _w = rng.choices(REGIONS, cum_weights=REGION_CUM)[0]
            established = self._day_between(rng, dt.date(1998, 1, 1), latest_established)
            suffix = rng.choice(COMPANY_SUFFIX[category])
            name = place + rng.choice(TRADE_FIRST) + rng.choice(TRADE_SECOND) + suffix
            new_style = established >= dt.date(2015, 10, 1) or rng.random() < 0.3
            code = enterprise_code(self.enterprise_offset + i, region, new_style=new_style)
            address = (f"河南省焦作市{area}{rng.choice(towns)}{rng.choice(ROADS)}"
                       f"{rng.randint(1, 999)}号")
            phone = f"0391-{rng.choice('235678')}{rng.randrange(10 ** 6):06d}"
            status = "active"
            u = rng.random()
            if u < 0.01:
                status = "revoked"
            elif u < 0.04:
                status = "cancelled"
            registered = max(self.import_day, established + dt.timedelta(days=rng.randint(3, 60)))
            created_at = _utc(registered, rng.randint(8 * 60 + 30, 17 * 60 + 30))
            names = [{"name": name, "valid_from": established, "valid_until": None}]
            updated_at = created_at
            if rng.random() < 0.05 and established < self.as_of - relativedelta(years=2):
                renamed = self._day_between(rng, established + relativedelta(years=1),
                                            self.as_of - dt.timedelta(days=60))
                former = place + rng.choice(TRADE_FIRST) + rng.choice(TRADE_SECOND) + rng.choice(
                    COMPANY_SUFFIX[category])
                if former != name:
                    names = [
                        {"name": former, "valid_from": established, "valid_until": renamed},
                        {"name": name, "valid_from": renamed, "valid_until": None},
                    ]
                    updated_at = max(created_at, _utc(renamed, 10 * 60))
            self.enterprise_categories.append(CATEGORIES.index(category))
            self.enterprise_since.append(max(registered, self.window_start).toordinal())
            yield {
                "kind": "enterprise", "code": code, "name": name, "category": category,
                "status": status, "legal_representative": self._person(rng, rng.random() < 0.85),
                "address": address, "contact_phone": phone,
                "qualification": rng.choice(QUALIFICATIONS[category]),
                "established_on": established, "employer_id": None, "code_warning": "",
                "created_at": created_at, "updated_at": updated_at, "names": names,
            }

    # -- practitioners --
    def practitioners(self, count: int) -> Iterator[dict[str, Any]]:
        """Practitioners; `employer` is an enterprise's position in this run (or None)."""
        rng = self._rng("practitioners")
        employers = len(self.enterprise_categories)
        for i in range(count):
            code, born, male = id_number(self.practitioner_offset + i)
            employer = rng.randrange(employers) if employers else None
            employer_category = (ENTERPRISE_CATEGORIES[self.enterprise_categories[employer]]
                                 if employer is not None else "brokerage")
            region, _p, area, towns, _w = rng.choices(REGIONS, cum_weights=REGION_CUM)[0]
            adult = born + relativedelta(years=20)
            registered_on = self._day_between(
                rng, max(adult, dt.date(2008, 1, 1)), self.as_of - relativedelta(months=6))
            name = self._person(rng, male)
            address = (f"河南省焦作市{area}{rng.choice(towns)}{rng.choice(PROJECT_WORDS)}"
                       f"{rng.choice(PROJECT_SUFFIXES)}{rng.randint(1, 30)}号楼"
                       f"{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室")
            created_at = _utc(max(self.import_day, registered_on), rng.randint(510, 1050))
            self.practitioner_employer_categories.append(
                self.enterprise_categories[employer] if employer is not None else NO_EMPLOYER)
            self.practitioner_since.append(max(registered_on, self.window_start).toordinal())
            yield {
                "kind": "individual", "code": code, "name": name, "category": "practitioner",
                "status": "active", "legal_representative": "", "address": address,
                "contact_phone": self._mobile(rng),
                "qualification": rng.choice(PRACTITIONER_QUALIFICATIONS[employer_category]),
                "established_on": registered_on, "employer": employer, "code_warning": "",
                "created_at": created_at, "updated_at": created_at,
                "names": [{"name": name, "valid_from": registered_on, "valid_until": None}],
            }

    # -- records --
    def _plan(self, spec: TypeSpec) -> _TypePlan:
        """Everything about a type that does not change per record, worked out once."""
        if spec.code in COMMENDATION_DOCS:
            level = spec.code.rsplit("_", 1)[1]
        else:
            level = "*" if spec.group == "award" else ""
        template = DESCRIPTIONS.get(spec.group, "{type}（{project}项目）。")
        return _TypePlan(
            code=spec.code, bad=spec.polarity == "bad", months=spec.publicity_months,
            is_public=spec.is_public, affinity=AFFINITY.get(spec.code, EVERYONE),
            external=EXTERNAL_TYPES.get(spec.code), commendation=COMMENDATION_DOCS.get(spec.code),
            word=GROUP_WORD.get(spec.group, "信字"),
            amount=tuple(x // 100 for x in AMOUNT_RANGES[spec.code])
            if spec.code in AMOUNT_RANGES else None,
            level=level,
            description=template.replace("{type}", spec.name.replace("{", "").replace("}", "")),
            weight=WEIGHT.get(spec.code, BASE_WEIGHT.get((spec.polarity, spec.severity), 1.0)),
        )

    def records(self, count: int, catalogue: list[TypeSpec]) -> Iterator[dict[str, Any]]:
        """Credit records over this run's subjects; every type appears once count >= types.

        This loop runs ten million times in a load test, so it draws plain floats from the
        generator and caches every string and date it can rather than calling randint/format.
        """
        if not catalogue:
            raise ValidationFailed("demo_no_types", _("The record catalogue has no active types."))
        enterprises = len(self.enterprise_categories)
        practitioners = len(self.practitioner_employer_categories)
        if count and not enterprises + practitioners:
            raise ValidationFailed(
                "demo_no_subjects", _("Records need subjects: generate at least one subject."))
        rand = self._rng("records").random
        plans = [self._plan(spec) for spec in catalogue]
        by_category: list[tuple[list[int], list[float], float]] = []
        for category in CATEGORIES:
            idx = [i for i, p in enumerate(plans) if category in p.affinity]
            idx = idx or list(range(len(plans)))
            cum = list(accumulate(plans[i].weight for i in idx))
            by_category.append((idx, cum, cum[-1]))
        practitioner_share = 0.0 if not practitioners else (
            1.0 if not enterprises else min(0.15, practitioners / (enterprises + practitioners)))
        stride = max(1, count // len(plans))
        as_of = self.as_of.toordinal()
        pending_from = as_of - 120
        latest = _utc(self.as_of, 18 * 60)
        minute, half_hour = dt.timedelta(minutes=1), dt.timedelta(minutes=30)
        ent_cats, pra_cats = self.enterprise_categories, self.practitioner_employer_categories
        ent_since, pra_since = self.enterprise_since, self.practitioner_since
        counters = self.counters
        heads: dict[tuple[str, str, int], str] = {}
        n_words, n_suffixes = len(PROJECT_WORDS), len(PROJECT_SUFFIXES)

        def pick_subject() -> tuple[str, int, int, int]:
            """Practitioners get a minority share of records, as in real registers."""
            if rand() < practitioner_share:
                i = int(rand() * practitioners)
                return "P", i, PRACTITIONER, pra_since[i]
            i = int(rand() * enterprises)
            return "E", i, ent_cats[i], ent_since[i]

        for j in range(count):
            kind, index, category, since = pick_subject()
            if j % stride == 0 and j // stride < len(plans):
                plan = plans[j // stride]
                for _try in range(500):
                    if CATEGORIES[category] in plan.affinity:
                        break
                    kind, index, category, since = pick_subject()
            else:
                idx, cum, total = by_category[category]
                plan = plans[idx[bisect_right(cum, rand() * total)]]
            u = rand()
            state = "effective" if u < 0.88 else "submitted" if u < 0.95 else "draft"
            lag = int(rand() * 61)  # from the facts to the decision
            if state == "effective":
                low = since
                high = max(since, as_of - 7 - lag)
            else:  # still in the workflow, so recent
                low = max(since, pending_from)
                high = max(low, as_of - 1 - lag)
            occurred = low + int(rand() * (high - low + 1))
            decided = min(occurred + lag, as_of)
            decided_on = _date(decided)
            year = decided_on.year
            # Which unit entered it, and under what number.
            if plan.external:
                department = EXTERNAL
                court = COURTS[int(rand() * len(COURTS))]
                key = (plan.code + court, "", year)
                if key not in heads:
                    heads[key] = plan.external.replace("{court}", court).split("{n")[0].format(
                        y=year)
                head = heads[key]
                template = plan.external.replace("{court}", court)
            elif plan.commendation:
                department = LEAD
                key = (plan.code, "", year)
                if key not in heads:
                    heads[key] = plan.commendation.split("{n")[0].format(y=year)
                head, template = heads[key], plan.commendation
            else:
                if kind == "E":
                    department = CATEGORY_DEPARTMENT[CATEGORIES[category]]
                else:
                    employer = pra_cats[index]
                    department = CATEGORY_DEPARTMENT[
                        "practitioner" if employer == NO_EMPLOYER else CATEGORIES[employer]]
                key = (department, plan.word, year)
                if key not in heads:
                    heads[key] = f"{DOC_PREFIX[department]}{plan.word}〔{year}〕第"
                head, template = heads[key], None
            n = counters.get((department, head), 0) + 1
            counters[(department, head)] = n
            document_number = (f"{head}{n:04d}号" if template is None
                               else template.format(y=year, n=n))
            # Who entered and reviewed it: never the same person.
            r = int(rand() * 2)
            creator = REVIEWERS[r] if department == LEAD else DEPARTMENT_CLERK[department]
            reviewer = REVIEWERS[1 - r]
            entered = min(decided + int(rand() * 6), as_of)
            created_at = _day_start(entered) + minute * (510 + int(rand() * 511))
            submitted_at = reviewed_at = submitted_by = reviewed_by = None
            review_comment = ""
            updated_at = created_at
            if state != "draft":
                submitted_by = creator
                submitted_at = created_at + minute * (5 + int(rand() * 236))
                updated_at = submitted_at
            if state == "effective":
                reviewed_by = reviewer
                # Reviewed in office hours within a few days, never after the reference date.
                reviewed_at = _day_start(min(entered + int(rand() * 4), as_of)) + minute * (
                    540 + int(rand() * 511))
                reviewed_at = min(max(reviewed_at, submitted_at + half_hour),
                                  max(latest, submitted_at + half_hour))
                updated_at = reviewed_at
                review_comment = "材料齐全，同意生效。" if rand() < 0.5 else "同意。"
            amount = None
            if plan.amount:
                lo, hi = plan.amount
                amount = Decimal((lo + int(rand() * (hi - lo + 1))) * 100)
            level = plan.level
            if level == "*":
                level = LEVELS[bisect_right(LEVEL_CUM, rand() * LEVEL_CUM[-1])]
            project = PROJECT_WORDS[int(rand() * n_words)] + PROJECT_SUFFIXES[
                int(rand() * n_suffixes)]
            description = plan.description.format(
                project=project, service=SERVICES[int(rand() * len(SERVICES))], y=year)
            yield {
                "subject": (kind, index), "record_type": plan.code,
                "occurred_on": _date(occurred), "decided_on": decided_on,
                "document_number": document_number, "source_department": department,
                "description": description, "amount": amount, "level": level,
                "internal_note": "已约谈企业负责人。" if plan.bad and rand() < 0.05 else "",
                "is_public": plan.is_public,
                "publicity_ends_on": _plus_months(decided, plan.months),
                "state": state, "version": 1, "supersedes_id": None,
                "created_by": creator, "submitted_by": submitted_by, "submitted_at": submitted_at,
                "reviewed_by": reviewed_by, "reviewed_at": reviewed_at,
                "review_comment": review_comment, "created_at": created_at,
                "updated_at": updated_at,
            }


def rows_digest(
    *, seed: int, subjects: int, practitioners: int, records: int, as_of: dt.date = AS_OF,
    catalogue: list[TypeSpec] | None = None,
) -> str:
    """SHA-256 over every generated row, without a database: equal digests, equal county."""
    gen = CountyGenerator(seed=seed, as_of=as_of)
    h = hashlib.sha256()
    for stream in (gen.enterprises(subjects), gen.practitioners(practitioners),
                   gen.records(records, catalogue or catalogue_from_fixture())):
        for row in stream:
            h.update(repr(sorted(row.items())).encode())
    return h.hexdigest()


# --- writing -----------------------------------------------------------------------------------

class _TableWriter:
    """Raw inserts for one model: executemany on SQLite, COPY on PostgreSQL.

    Columns come from the model, so a field added later with a default is filled from that
    default instead of breaking the seed; a required field the generator does not know about
    still fails loudly at the database.
    """

    def __init__(self, model: type[models.Model]) -> None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.model = model
        self.attnames = [f.attname for f in fields]
        self.defaults = [f.get_default() for f in fields]
        self.datetime_columns = [i for i, f in enumerate(fields)
                                 if isinstance(f, models.DateTimeField)]
        qn = connection.ops.quote_name
        self.table = qn(model._meta.db_table)
        self.columns = ", ".join(qn(f.column) for f in fields)
        self.insert_sql = (f"INSERT INTO {self.table} ({self.columns}) VALUES "
                           f"({', '.join(['%s'] * len(fields))})")

    def _tuples(self, rows: list[dict[str, Any]]) -> list[Any]:
        """Rows in column order; every row of a chunk has the same keys (one generator made it)."""
        missing = [(a, d) for a, d in zip(self.attnames, self.defaults, strict=True)
                   if a not in rows[0]]
        for row in rows:
            for a, d in missing:
                row[a] = d
        take = itemgetter(*self.attnames)
        if connection.vendor != "sqlite" or not self.datetime_columns:
            return [take(row) for row in rows]
        # Django stores aware datetimes on SQLite as naive UTC text. The generator's datetimes
        # are UTC with whole seconds, so the text is the first 19 characters of str().
        cols = self.datetime_columns
        out = []
        for row in rows:
            v = list(take(row))
            for c in cols:
                if v[c] is not None:
                    v[c] = str(v[c])[:19]
            out.append(v)
        return out

    def write(self, rows: list[dict[str, Any]]) -> None:
        values = self._tuples(rows)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                    for v in values:
                        copy.write_row(v)
            else:
                cursor.executemany(self.insert_sql, values)

    def max_id(self) -> int:
        """Taken before a chunk so the chunk's ids can be found as the range above it."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {self.table}")
            return cursor.fetchone()[0] or 0


class IdRanges:
    """Maps a row's position in this run to the id the database gave it.

    Each chunk is normally one contiguous id range (one integer to remember); only if another
    writer interleaved ids does the chunk fall back to an explicit id array looked up by code.
    """

    def __init__(self, chunk_size: int) -> None:
        self.chunk_size = chunk_size
        self.segments: list[int | array] = []

    def capture(self, writer: _TableWriter, before: int, codes: list[str]) -> None:
        n = len(codes)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT MIN(id), MAX(id), COUNT(*) FROM {writer.table} WHERE id > %s", [before])
            low, high, found = cursor.fetchone()
        if found == n and high - low + 1 == n:
            self.segments.append(low)
            return
        by_code = dict(writer.model.objects.filter(code__in=codes).values_list("code", "id"))
        self.segments.append(array("q", (by_code[c] for c in codes)))

    def id_of(self, position: int) -> int:
        """O(1): every chunk but the last is full, so the chunk number is a division."""
        chunk, offset = divmod(position, self.chunk_size)
        segment = self.segments[chunk]
        return segment + offset if isinstance(segment, int) else segment[offset]


def _ensure_departments_and_users() -> tuple[dict[str, int], dict[str, int]]:
    """Reuse what exists (by code, then name; any existing lead department is *the* lead).

    What is missing is created through the accounts services, so each department and account
    has its audit event. A demo account's generated one-time password is not shown: nobody can
    sign in as it until an administrator sets a password.
    """
    from accounts.models import Department, User
    from accounts.services import department_create, department_set_credit_code, user_create

    departments: dict[str, int] = {}
    for serial, (code, name, kind) in enumerate(DEPARTMENTS, start=1):
        credit_code = "" if kind == "external" else _department_credit_code(serial)
        found = None
        if kind == "lead":
            found = Department.objects.filter(kind="lead").first()
        found = found or Department.objects.filter(code=code).first() or \
            Department.objects.filter(name=name).first()
        if found is None:
            found = department_create(actor=None, code=code, name=name, kind=kind,
                                      credit_code=credit_code)
        elif credit_code and not found.credit_code:
            department_set_credit_code(actor=None, department=found, credit_code=credit_code)
        departments[code] = found.pk
    users: dict[str, int] = {}
    for username, department, role, display in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user, _one_time = user_create(
                actor=None, username=username, role=role, full_name=display,
                department=Department.objects.get(pk=departments[department]))
            user.set_unusable_password()  # until an administrator sets one
            user.save(update_fields=["password"])
        users[username] = user.pk
    return departments, users


def _number_offsets(departments: dict[str, int]) -> dict[tuple[str, str], int]:
    """Highest number already issued per (department, number head), so --append never collides."""
    from records.models import CreditRecord

    code_of = {pk: code for code, pk in departments.items()}
    offsets: dict[tuple[str, str], int] = {}
    rows = CreditRecord.objects.filter(source_department_id__in=code_of).values_list(
        "source_department_id", "document_number").iterator(chunk_size=20_000)
    for department_id, number in rows:
        match = NUMBER_RE.match(number)
        if match:
            key = (code_of[department_id], match.group(1))
            offsets[key] = max(offsets.get(key, 0), int(match.group(2)))
    return offsets


def _hashed(rows: Iterator[dict[str, Any]], digest: Any) -> Iterator[dict[str, Any]]:
    """Pass rows through, adding each to `digest` as generated (as `rows_digest` does)."""
    for row in rows:
        digest.update(repr(sorted(row.items())).encode())
        yield row


def _chunks(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """One transaction's worth of rows at a time: memory stays flat whatever the totals."""
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def seed(
    *, subjects: int = DEFAULTS["subjects"], practitioners: int = DEFAULTS["practitioners"],
    records: int = DEFAULTS["records"], seed: int = 1, progress: bool = False,
    append: bool = False, as_of: dt.date = AS_OF, chunk_size: int = CHUNK_SIZE,
) -> dict[str, Any]:
    """Generate and store a demo county; returns what was written (also in the audit event).

    Refuses to write into a database that already has subjects unless `append` is set, because
    demo rows mixed into real data cannot be told apart afterwards.
    """
    from accounts.models import Department
    from audit.services import record_event
    from records.models import CreditRecord, RecordType
    from subjects.models import Subject, SubjectName

    if min(subjects, practitioners, records) < 0 or chunk_size < 1:
        raise ValidationFailed("demo_bad_size", _("Counts must not be negative."))
    if Subject.objects.exists() and not append:
        raise Conflict(
            "demo_exists",
            _("The database already holds subjects; refusing to mix demo data into it. "
              "Use --append to add another demo batch."))
    with transaction.atomic():
        departments, users = _ensure_departments_and_users()
        catalogue = catalogue_from_db()
    type_ids = dict(RecordType.objects.values_list("code", "id"))
    gen = CountyGenerator(
        seed=seed, as_of=as_of,
        enterprise_offset=Subject.objects.filter(kind="enterprise").count() if append else 0,
        practitioner_offset=Subject.objects.filter(kind="individual").count() if append else 0,
        number_offsets=_number_offsets(departments) if append else None,
    )
    subject_writer = _TableWriter(Subject)
    name_writer = _TableWriter(SubjectName)
    record_writer = _TableWriter(CreditRecord)
    enterprise_ids, practitioner_ids = IdRanges(chunk_size), IdRanges(chunk_size)
    counts: dict[str, Any] = {"enterprises": 0, "practitioners": 0, "subject_names": 0,
                              "records": 0, "records_by_state": {}}

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=subjects + practitioners + records, unit="rows", desc="seed_demo",
                   dynamic_ncols=True)

    def advance(n: int) -> None:
        """The bar is optional (tests, pipes), the counting is not."""
        if bar is not None:
            bar.update(n)

    def store_subjects(rows: Iterator[dict[str, Any]], ids: IdRanges, key: str) -> None:
        """Subjects and their names commit together, so no subject is ever without a name."""
        for chunk in _chunks(rows, chunk_size):
            with transaction.atomic():
                for row in chunk:
                    if "employer" in row:
                        e = row["employer"]
                        row["employer_id"] = None if e is None else enterprise_ids.id_of(e)
                before = subject_writer.max_id()
                subject_writer.write(chunk)
                ids.capture(subject_writer, before, [row["code"] for row in chunk])
                first = len(ids.segments) - 1
                names = [
                    dict(name, subject_id=ids.id_of(first * chunk_size + i))
                    for i, row in enumerate(chunk) for name in row["names"]
                ]
                name_writer.write(names)
            counts[key] += len(chunk)
            counts["subject_names"] += len(names)
            advance(len(chunk))

    digest = hashlib.sha256()
    try:
        store_subjects(_hashed(gen.enterprises(subjects), digest), enterprise_ids, "enterprises")
        store_subjects(_hashed(gen.practitioners(practitioners), digest), practitioner_ids,
                       "practitioners")
        by_state: dict[str, int] = {}
        for chunk in _chunks(_hashed(gen.records(records, catalogue), digest), chunk_size):
            for row in chunk:
                kind, position = row.pop("subject")
                row["subject_id"] = (enterprise_ids if kind == "E" else practitioner_ids).id_of(
                    position)
                row["record_type_id"] = type_ids[row.pop("record_type")]
                row["source_department_id"] = departments[row.pop("source_department")]
                row["created_by_id"] = users[row.pop("created_by")]
                s, r = row.pop("submitted_by"), row.pop("reviewed_by")
                row["submitted_by_id"] = users[s] if s else None
                row["reviewed_by_id"] = users[r] if r else None
                by_state[row["state"]] = by_state.get(row["state"], 0) + 1
            with transaction.atomic():
                record_writer.write(chunk)
            counts["records"] += len(chunk)
            advance(len(chunk))
        counts["records_by_state"] = dict(sorted(by_state.items()))
    finally:
        if bar is not None:
            bar.close()

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for writer in (subject_writer, name_writer, record_writer):
                cursor.execute(f"ANALYZE {writer.table}")
    counts.update(
        seed=seed, as_of=as_of.isoformat(), append=append, record_types=len(catalogue),
        departments=Department.objects.filter(pk__in=departments.values()).count(),
        users=len(users), rows_digest=digest.hexdigest(),
    )
    with transaction.atomic():
        record_event(actor=None, action="demo.seed", target_type="demo", target_id=str(seed),
                     after=counts)
    return counts


# --- lists, enterprise accounts, objections and repair (first start) --------------------------
#: Demo enterprise accounts: username → what the account shows.
DEMO_ENTERPRISES = ("qiye_black", "qiye_repair", "qiye_repaired", "qiye_red")


def _demo_repairable_records(as_of: dt.date, *, exclude: set[int], count: int) -> list[Any]:
    """Bad records in publicity whose credit repair is open on `as_of`, of distinct enterprises
    (the records app's own refusal decides, so the demo never shows a repair the rules forbid)."""
    from records.models import CreditRecord, RecordState
    from records.services import repair_refusal

    found: list[Any] = []
    seen = set(exclude)
    qs = (CreditRecord.objects.filter(
        state=RecordState.EFFECTIVE, record_type__polarity="bad",
        record_type__repairable=True, publicity_ends_on__gte=as_of,
        subject__kind="enterprise").select_related("record_type", "subject")
        .order_by("decided_on", "pk"))
    for record in qs[:2000]:
        if record.subject_id in seen or repair_refusal(record=record, as_of=as_of):
            continue
        seen.add(record.subject_id)
        found.append(record)
        if len(found) == count:
            break
    return found


def seed_self_service(*, as_of: dt.date) -> dict[str, str]:
    """Give the demo county what a newcomer expects to see on every list and self-service page:
    list entries of every kind in every state (`lists.demo.seed_list_examples`), enterprise
    accounts with objections and credit-repair applications open and decided, a signed credit
    commitment and an account waiting for verification, all through the services (validated,
    dated by the rules, audited). Returns each new enterprise account's one-time password.

    Does nothing once demo enterprise accounts exist.
    """
    import secrets

    from accounts.models import User
    from appeals import selectors as appeal_selectors
    from appeals import services as appeal_services
    from appeals.models import AppealTarget, EnterpriseAccount
    from common import clock
    from lists import services as list_services
    from lists.demo import seed_list_examples
    from subjects.models import Subject

    if EnterpriseAccount.objects.filter(user__username__in=DEMO_ENTERPRISES).exists():
        return {}
    made = seed_list_examples(as_of=as_of)
    reviewer_a = User.objects.get(username="reviewer_a")
    reviewer_b = User.objects.get(username="reviewer_b")
    passwords: dict[str, str] = {}

    def account(username: str, subject: Any, contact: str) -> User:
        acc, password = appeal_services.account_create_verified(
            actor=reviewer_a, username=username, subject=subject, contact_name=contact,
            contact_phone="13800000000")
        passwords[username] = password
        return acc.user

    with clock.frozen_at(as_of):
        listed = [e.subject for e in made.get("black", [])]
        black_subject = made["black"][3].subject if made.get("black") else None
        red_subject = made["red"][1].subject if made.get("red") else None
        repairs = _demo_repairable_records(
            as_of, exclude={s.pk for s in listed} | ({red_subject.pk} if red_subject else set()),
            count=2)
        if black_subject is not None:
            # a black-listed enterprise: an objection to a record waits; its grade objection
            # was answered; it signed a credit commitment online
            user = account("qiye_black", black_subject, "王经理")
            record = appeal_selectors.records_in_publicity(subject=black_subject).first()
            if record is not None:
                appeal_services.appeal_file(
                    actor=user, target=AppealTarget.RECORD, record=record,
                    reasons="该处罚所依据的材料系代理机构提交，本单位已提交说明材料。")
            try:
                grade = appeal_services.appeal_file(
                    actor=user, target=AppealTarget.GRADE,
                    reasons="信用等级计算未考虑本单位已整改的情况。")
                appeal_services.appeal_answer(
                    actor=reviewer_b, appeal=grade, accept=False,
                    answer="经核查，信用等级按已生效的信用记录和公布的评价标准计算，异议不成立。")
            except Conflict:
                pass  # no grade, or its objection period is over
            appeal_services.commitment_sign(actor=user, signer="王经理（总经理）", accept=True)
        if red_subject is not None:
            # a red-list nominee objected to its own publicity step; answered, it resumes
            user = account("qiye_red", red_subject, "李主任")
            appeal = appeal_services.appeal_file(
                actor=user, target=AppealTarget.RED, black_entry=None,
                red_entry=made["red"][1], reasons="公示的表彰事由表述不准确。")
            appeal_services.appeal_answer(actor=reviewer_b, appeal=appeal, accept=False,
                                          answer="表彰事由依据提名材料表述，异议不成立。")
        if len(repairs) >= 1:
            # credit repair applied for and waiting for the lead department's decision
            user = account("qiye_repair", repairs[0].subject, "张会计")
            appeal_services.repair_apply(
                actor=user, record=repairs[0], proof="罚款已全额缴纳，违法行为已整改到位。",
                commitment="本单位承诺依法诚信经营，如违反承诺愿承担相应责任。")
        if len(repairs) >= 2:
            # credit repair granted: the record's publicity ended, the grade was updated
            user = account("qiye_repaired", repairs[1].subject, "赵总")
            application = appeal_services.repair_apply(
                actor=user, record=repairs[1], proof="已履行处罚决定并完成整改。",
                commitment="本单位承诺依法诚信经营，如违反承诺愿承担相应责任。")
            list_services.repair_decide(actor=reviewer_b, request=application.request,
                                        approve=True,
                                        reasons="已纠正失信行为、履行法定义务并作出信用修复承诺。")
        # an enterprise registered online and waits for verification
        waiting = (Subject.objects.filter(kind="enterprise", enterprise_accounts__isnull=True)
                   .exclude(pk__in=[s.pk for s in listed]).order_by("-pk").first())
        if waiting is not None:
            appeal_services.account_register(
                username="qiye_waiting", password=secrets.token_urlsafe(16),
                subject_code=waiting.code, contact_name="孙经理", contact_phone="13900000000")
    return passwords


def demo_staff_passwords() -> dict[str, str]:
    """Give each demo staff account a one-time password (changed at first sign-in) and return
    them to be printed once; accounts that already have a usable password are left alone."""
    from accounts.models import User
    from accounts.services import password_reset

    passwords = {}
    for username, *_rest in USERS:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is not None and not user.has_usable_password():
            passwords[username] = password_reset(actor=None, user=user)
    return passwords
