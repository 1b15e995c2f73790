"""GB 32100-2015 (USCC) and GB 11643-1999 (resident ID number) validation.

Vectors come from REFERENCE.md §5.2-5.3; the property tests check the claim the algorithms rest
on: a weighted sum modulo a prime, with weights coprime to it, detects every single substitution.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from common import clock
from common.errors import ValidationFailed
from common.identifiers import (
    ID_CHECK,
    ID_WEIGHTS,
    PROVINCES,
    USCC_CHARSET,
    USCC_TYPES,
    USCC_WEIGHTS,
    id_check_char,
    looks_like_code,
    mask_id_number,
    normalise,
    org_code_check_char,
    uscc_check_char,
    validate_id_number,
    validate_subject_code,
    validate_uscc,
)

VALID_USCC = "91350100M000100Y43"
VALID_IDS = ["11010519491231002X", "440524188001010014", "110101199003074477"]


def refused(func, raw: str) -> ValidationFailed:  # noqa: ANN001 (a validator)
    with pytest.raises(ValidationFailed) as info:
        func(raw)
    assert info.value.field == "code"
    return info.value


def with_uscc_check(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def with_id_check(first17: str) -> str:
    return first17 + id_check_char(first17)


# --- the algorithms' constants are the standard's ------------------------------------------------

def test_weights_are_the_standards() -> None:
    assert USCC_WEIGHTS == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    assert ID_WEIGHTS == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    assert ID_CHECK == "10X98765432"
    assert len(USCC_CHARSET) == 31
    assert not set("IOSVZ") & set(USCC_CHARSET)


# --- REFERENCE.md vectors ----------------------------------------------------------------------

def test_reference_uscc_is_valid() -> None:
    checked = validate_uscc(VALID_USCC)
    assert checked.code == VALID_USCC
    assert checked.kind == "enterprise"
    assert checked.warnings == []
    assert uscc_check_char(VALID_USCC[:17]) == "3"
    assert org_code_check_char("M000100Y") == "4"  # the embedded GB 11714 check holds too


def test_reference_uscc_with_z_is_invalid_and_names_the_expected_check_character() -> None:
    error = refused(validate_uscc, "91350100M000100Y4Z")
    assert error.code == "bad_check_character"
    assert "3" in str(error.message) and "Z" in str(error.message)


def test_reference_uscc_sum_matches_the_worked_example() -> None:
    # The standard: Σ = 1640, 1640 mod 31 = 28, C18 = 31 - 28 = 3.
    pairs = zip(VALID_USCC[:17], USCC_WEIGHTS, strict=True)
    total = sum(USCC_CHARSET.index(c) * w for c, w in pairs)
    assert total == 1640
    assert total % 31 == 28


@pytest.mark.parametrize("code", VALID_IDS)
def test_reference_id_numbers_are_valid(code: str) -> None:
    checked = validate_id_number(code)
    assert checked.code == code
    assert checked.kind == "individual"
    assert checked.birth_date == dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))


def test_birth_date_before_1900_is_accepted() -> None:
    assert validate_id_number("440524188001010014").birth_date == dt.date(1880, 1, 1)


# --- normalisation -------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    "91350100m000100y43",
    " 91350100M000100Y43 ",
    "9135 0100 M000 100Y 43",
    "91350100M000100Y43\n",
    "\t9135\u30000100M000100Y43\u3000",
    "９１３５０１００Ｍ０００１００Ｙ４３",  # full-width, as a Chinese input method types it
])
def test_uscc_input_is_normalised(raw: str) -> None:
    assert validate_uscc(raw).code == VALID_USCC


@pytest.mark.parametrize("raw", ["11010519491231002x", " 110105 19491231 002X ",
                                 "110105\u300019491231002x"])
def test_id_number_input_is_normalised(raw: str) -> None:
    assert validate_id_number(raw).code == "11010519491231002X"


def test_normalise_handles_none_and_empty() -> None:
    assert normalise("") == ""
    assert normalise(None) == ""  # type: ignore[arg-type]


# --- USCC refusals -------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["", "91350100M000100Y4", "91350100M000100Y431"])
def test_uscc_bad_length(raw: str) -> None:
    error = refused(validate_uscc, raw)
    assert error.code == "bad_length"
    assert str(len(raw)) in str(error.message)


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_uscc_excluded_letters_are_bad_characters(letter: str) -> None:
    raw = "91350100" + letter + "000100Y43"  # the 9th character replaced
    error = refused(validate_uscc, raw)
    assert error.code == "bad_character"
    assert letter in str(error.message)
    assert "9" in str(error.message)  # the position


def test_uscc_non_ascii_character_is_a_bad_character() -> None:
    error = refused(validate_uscc, "91350100M00010信Y43")
    assert error.code == "bad_character"
    assert "信" in str(error.message)


def test_uscc_bad_authority() -> None:
    error = refused(validate_uscc, with_uscc_check("B1350100M000100Y4"))
    assert error.code == "bad_authority"
    assert "B" in str(error.message)


def test_uscc_bad_type_for_authority() -> None:
    error = refused(validate_uscc, with_uscc_check("95350100M000100Y4"))
    assert error.code == "bad_type"
    assert "5" in str(error.message) and "9" in str(error.message)


@pytest.mark.parametrize("region", ["990100", "000000", "A50100"])
def test_uscc_bad_region(region: str) -> None:
    error = refused(validate_uscc, with_uscc_check("91" + region + "M000100Y4"))
    assert error.code == "bad_region"
    assert region in str(error.message)


def test_uscc_bad_check_character_names_expected_and_actual() -> None:
    error = refused(validate_uscc, "91350100M000100Y44")
    assert error.code == "bad_check_character"
    assert "3" in str(error.message) and "4" in str(error.message)


def test_uscc_failing_only_the_organisation_code_check_is_accepted_with_a_warning() -> None:
    org8 = "MA1B2C3D"
    right = org_code_check_char(org8)
    wrong = next(c for c in "0123456789X" if c != right)
    code = with_uscc_check("91350100" + org8 + wrong)
    checked = validate_uscc(code)
    assert checked.code == code
    assert len(checked.warnings) == 1
    assert org8 + wrong in checked.warnings[0]
    assert right in checked.warnings[0]


# --- ID number refusals --------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["", "11010519491231002", "11010519491231002X1"])
def test_id_bad_length(raw: str) -> None:
    assert refused(validate_id_number, raw).code == "bad_length"


@pytest.mark.parametrize("raw,char", [
    ("1101051949123100AX", "A"),
    ("1101051949X231002X", "X"),
    ("11010519491231002Y", "Y"),
])
def test_id_bad_character(raw: str, char: str) -> None:
    error = refused(validate_id_number, raw)
    assert error.code == "bad_character"
    assert char in str(error.message)


@pytest.mark.parametrize("region", ["990105", "000000"])
def test_id_bad_region(region: str) -> None:
    error = refused(validate_id_number, with_id_check(region + "19491231002"))
    assert error.code == "bad_region"
    assert region in str(error.message)


@pytest.mark.parametrize("birth", ["19990230", "19991301", "19990000", "00000101"])
def test_id_impossible_birth_date(birth: str) -> None:
    error = refused(validate_id_number, with_id_check("110105" + birth + "002"))
    assert error.code == "bad_birth_date"
    assert birth in str(error.message)


def test_id_future_birth_date() -> None:
    with clock.frozen_at(dt.date(2024, 6, 1)):
        assert validate_id_number(with_id_check("11010520240601002")).birth_date == dt.date(
            2024, 6, 1
        )
        error = refused(validate_id_number, with_id_check("11010520240602002"))
    assert error.code == "bad_birth_date"
    assert "20240602" in str(error.message)


def test_id_bad_check_character_names_expected_and_actual() -> None:
    error = refused(validate_id_number, "110105194912310021")
    assert error.code == "bad_check_character"
    assert "X" in str(error.message) and "1" in str(error.message)


# --- the refusals as the clerk reads them (Chinese by default, English on request) ---------------

@pytest.mark.parametrize(("func", "raw", "message"), [
    (validate_uscc, "91350100M000100Y4Z", "第18位校验码应为3，而不是Z，请检查是否录入有误。"),
    (validate_uscc, "91350100M000100Y4", "统一社会信用代码应为18位，当前录入了17位。"),
    (validate_uscc, "91350100I000100Y43",
     "第9位字符“I”不能出现在统一社会信用代码中（代码不使用字母I、O、S、V、Z）。"),
    (validate_uscc, with_uscc_check("B1350100M000100Y4"), "第1位“B”不是有效的登记管理部门代码。"),
    (validate_uscc, with_uscc_check("95350100M000100Y4"),
     "第2位“5”不是登记管理部门代码“9”下的有效机构类别代码。"),
    (validate_uscc, with_uscc_check("91990100M000100Y4"),
     "统一社会信用代码中的行政区划代码990100无效（不符合GB/T 2260），请核对。"),
    (validate_id_number, "110105194912310021", "第18位校验码应为X，而不是1，请检查是否录入有误。"),
    (validate_id_number, "11010519491231002", "居民身份证号码应为18位，当前录入了17位。"),
    (validate_id_number, "1101051949123100AX",
     "第17位字符“A”无效：居民身份证号码前17位为数字，第18位为数字或X。"),
    (validate_id_number, with_id_check("99010519491231002"),
     "居民身份证号码中的行政区划代码990105无效（不符合GB/T 2260），请核对。"),
    (validate_id_number, with_id_check("11010519990230002"),
     "身份证号码中的出生日期19990230不是有效日期。"),
])
def test_refusals_read_in_chinese(func, raw: str, message: str) -> None:  # noqa: ANN001
    with translation.override("zh-hans"):
        assert str(refused(func, raw).message) == message


def test_refusal_reads_in_english_when_asked() -> None:
    with translation.override("en"):
        error = refused(validate_uscc, "91350100M000100Y4Z")
        assert str(error.message) == ("The check character (18th) should be 3, not Z: the code "
                                      "was probably mistyped.")


# --- dispatch and helpers ------------------------------------------------------------------------

def test_validate_subject_code_picks_the_rule_by_kind() -> None:
    assert validate_subject_code(VALID_USCC, kind="enterprise").kind == "enterprise"
    assert validate_subject_code(VALID_IDS[0], kind="individual").kind == "individual"
    with pytest.raises(ValidationFailed):
        validate_subject_code(VALID_IDS[0], kind="enterprise")
    with pytest.raises(ValidationFailed):
        validate_subject_code(VALID_USCC, kind="individual")


def test_mask_and_looks_like_code() -> None:
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert looks_like_code(" 91350100m000100y43 ")
    assert not looks_like_code("万科物业")
    assert not looks_like_code("9135")


# --- properties ----------------------------------------------------------------------------------

@st.composite
def uscc_first17(draw: st.DrawFn) -> str:
    authority = draw(st.sampled_from(sorted(USCC_TYPES)))
    kind = draw(st.sampled_from(sorted(USCC_TYPES[authority])))
    province = draw(st.sampled_from(sorted(PROVINCES)))
    county = draw(st.text("0123456789", min_size=4, max_size=4))
    body = draw(st.text(USCC_CHARSET, min_size=9, max_size=9))
    return authority + kind + province + county + body


@st.composite
def id_first17(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(sorted(PROVINCES)))
    county = draw(st.text("0123456789", min_size=4, max_size=4))
    born = draw(st.dates(min_value=dt.date(1880, 1, 1), max_value=dt.date(2020, 12, 31)))
    sequence = draw(st.text("0123456789", min_size=3, max_size=3))
    return province + county + born.strftime("%Y%m%d") + sequence


@given(uscc_first17())
def test_property_uscc_with_computed_check_character_is_valid(first17: str) -> None:
    code = with_uscc_check(first17)
    assert validate_uscc(code).code == code


@given(uscc_first17(), st.integers(0, 17), st.integers(1, 30))
def test_property_uscc_any_single_substitution_is_refused(
    first17: str, position: int, shift: int
) -> None:
    code = with_uscc_check(first17)
    replacement = USCC_CHARSET[(USCC_CHARSET.index(code[position]) + shift) % 31]
    assert replacement != code[position]
    mutated = code[:position] + replacement + code[position + 1:]
    with pytest.raises(ValidationFailed):
        validate_uscc(mutated)


@given(id_first17())
def test_property_id_with_computed_check_character_is_valid(first17: str) -> None:
    code = with_id_check(first17)
    assert validate_id_number(code).code == code


@given(id_first17(), st.integers(0, 17), st.integers(1, 10))
def test_property_id_any_single_substitution_is_refused(
    first17: str, position: int, shift: int
) -> None:
    code = with_id_check(first17)
    alphabet = "0123456789X" if position == 17 else "0123456789"
    if position < 17:
        shift = shift % 10 or 1
    replacement = alphabet[(alphabet.index(code[position]) + shift) % len(alphabet)]
    assert replacement != code[position]
    mutated = code[:position] + replacement + code[position + 1:]
    with pytest.raises(ValidationFailed):
        validate_id_number(mutated)
