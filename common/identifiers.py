"""Validation of the identifiers that name a credit subject or a department.

- 统一社会信用代码, GB 32100-2015: 18 characters over a 31-character set, a registration-authority
  code, an institution-type code, a GB/T 2260 region code, the GB 11714 organisation code (with
  its own check character) and a mod-31 check character.
- 公民身份号码, GB 11643-1999: address code, birth date, sequence code and a mod-11 check character.

Every refusal names exactly what is wrong in a translated message; the algorithms and worked
examples are in REFERENCE.md §5.2-5.3.

It lives in `common` (it knows no domain) because layers left of `subjects` need it too: a
department's own credit code (`accounts.Department.credit_code`) is checked by the same rules.
`subjects.identifiers` re-exports it, so the subject code's historic import path still works.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from common import clock
from common.errors import ValidationFailed
from common.text import strip_invisible

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
ID_CHECK = "10X98765432"

# GB 32100-2015 table 1 (registration authority) and table 2 (institution type per authority).
# Authorities other than 1, 5 and 9 are marked [M] in REFERENCE.md: accepted with their
# documented type codes 1 and 9 only.
USCC_TYPES: dict[str, set[str]] = {
    "1": {"1", "2", "3", "9"},  # 机构编制
    "2": {"1", "9"},  # 外交
    "3": {"1", "2", "3", "4", "5", "9"},  # 司法行政
    "4": {"1", "2", "9"},  # 文化
    "5": {"1", "2", "3", "9"},  # 民政
    "6": {"1", "2", "9"},  # 旅游
    "7": {"1", "2", "9"},  # 宗教
    "8": {"1", "9"},  # 工会
    "9": {"1", "2", "3"},  # 工商 / 市场监管
    "A": {"1", "9"},  # 中央军委改革和编制办公室
    "N": {"1", "2", "3", "9"},  # 农业
    "Y": {"1"},  # 其他
}

# GB/T 2260 province-level prefixes (first two digits of a region code).
PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82",
}


@dataclass(frozen=True)
class CheckedCode:
    """A normalised, valid identifier and any warning a reviewer must confirm."""

    code: str
    kind: str  # "enterprise" or "individual"
    warnings: list[str] = field(default_factory=list)
    birth_date: dt.date | None = None


def normalise(raw: str) -> str:
    """Strip spaces (including full-width ones) and upper-case: codes are often typed or pasted.

    NFKC folds full-width letters and digits (Ａ, １, typed with a Chinese input method) to ASCII;
    invisible and bidirectional controls (U+200B, U+202E) pasted along are stripped first.
    """
    text = unicodedata.normalize("NFKC", strip_invisible(str(raw or "")))
    return "".join(text.split()).upper()


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def id_check_char(first17: str) -> str:
    """GB 11643-1999: weights 2^(18-i) mod 11, remainder mapped through "10X98765432"."""
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def org_code_check_char(first8: str) -> str:
    """GB 11714: characters are digits or A=10…Z=35; result 10 is 'X', 11 is '0'."""
    total = sum(int(c, 36) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def _fail(code: str, message: str) -> ValidationFailed:
    return ValidationFailed(code, message, field="code")


def check_region(region: str, *, what: str) -> None:
    if not region.isdigit() or region[:2] not in PROVINCES:
        raise _fail(
            "bad_region",
            _("The region code %(region)s in the %(what)s is not a valid administrative "
              "division code (GB/T 2260).") % {"region": region, "what": what},
        )


def validate_uscc(raw: str) -> CheckedCode:
    """Validate a unified social credit code in full (GB 32100-2015)."""
    code = normalise(raw)
    what = _("unified social credit code")
    if len(code) != 18:
        raise _fail(
            "bad_length",
            _("A unified social credit code has 18 characters; %(n)d were entered.")
            % {"n": len(code)},
        )
    # A wrong 18th character is reported as a wrong check character (with the expected one),
    # as in the standard's own worked example 91350100M000100Y4Z.
    bad = [(i + 1, c) for i, c in enumerate(code[:17]) if c not in USCC_CHARSET]
    if bad:
        pos, char = bad[0]
        raise _fail(
            "bad_character",
            _("Character %(pos)d (%(char)s) is not allowed in a unified social credit code; "
              "the letters I, O, S, V and Z are never used.") % {"pos": pos, "char": char},
        )
    authority, kind = code[0], code[1]
    if authority not in USCC_TYPES:
        raise _fail(
            "bad_authority",
            _("The first character %(c)s is not a registration-authority code.") % {"c": authority},
        )
    if kind not in USCC_TYPES[authority]:
        raise _fail(
            "bad_type",
            _("The second character %(k)s is not an institution-type code of registration "
              "authority %(a)s.") % {"k": kind, "a": authority},
        )
    check_region(code[2:8], what=what)
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise _fail(
            "bad_check_character",
            _("The check character (18th) should be %(expected)s, not %(actual)s: the code was "
              "probably mistyped.") % {"expected": expected, "actual": code[17]},
        )
    warnings = []
    org = code[8:17]
    if org_code_check_char(org[:8]) != org[8]:
        warnings.append(
            _("The embedded organisation code %(org)s fails its own GB 11714 check (the 17th "
              "character should be %(c)s); a reviewer must confirm this code.")
            % {"org": org, "c": org_code_check_char(org[:8])}
        )
    return CheckedCode(code=code, kind="enterprise", warnings=warnings)


def validate_id_number(raw: str) -> CheckedCode:
    """Validate an 18-digit resident ID number (GB 11643-1999), including a real birth date."""
    code = normalise(raw)
    if len(code) != 18:
        raise _fail(
            "bad_length",
            _("A resident ID number has 18 characters; %(n)d were entered.") % {"n": len(code)},
        )
    # str.isdigit() also accepts non-ASCII digits such as "²", which int() then rejects.
    bad = [(i + 1, c) for i, c in enumerate(code) if c not in ("0123456789X" if i == 17
                                                                else "0123456789")]
    if bad:
        raise _fail(
            "bad_character",
            _("Character %(pos)d (%(char)s) is not allowed: a resident ID number is 17 digits "
              "followed by a digit or X.") % {"pos": bad[0][0], "char": bad[0][1]},
        )
    check_region(code[:6], what=_("resident ID number"))
    try:
        born = dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        born = None
    # No lower bound beyond the calendar: the standard's own example 440524188001010014 is 1880.
    if born is None:
        raise _fail(
            "bad_birth_date",
            _("The birth date %(d)s in the ID number is not a real date.") % {"d": code[6:14]},
        )
    if born > clock.today():
        raise _fail(
            "bad_birth_date",
            _("The birth date %(d)s in the ID number lies in the future.") % {"d": code[6:14]},
        )
    expected = id_check_char(code[:17])
    if code[17] != expected:
        raise _fail(
            "bad_check_character",
            _("The check character (18th) should be %(expected)s, not %(actual)s: the number was "
              "probably mistyped.") % {"expected": expected, "actual": code[17]},
        )
    return CheckedCode(code=code, kind="individual", birth_date=born)


def validate_subject_code(raw: str, *, kind: str) -> CheckedCode:
    """Validate a code for a subject of the given kind ("enterprise" or "individual")."""
    return validate_uscc(raw) if kind == "enterprise" else validate_id_number(raw)


def looks_like_code(text: str) -> bool:
    """True when a search string is shaped like a full code (so search uses the exact index)."""
    t = normalise(text)
    return len(t) == 18 and t.isalnum() and t.isascii()


def mask_id_number(code: str) -> str:
    """Public and unprivileged form: first 4 and last 4 kept (例 1101**********002X)."""
    return code[:4] + "*" * (len(code) - 8) + code[-4:] if len(code) > 8 else "*" * len(code)
