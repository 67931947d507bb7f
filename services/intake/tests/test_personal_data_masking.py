"""Finding 5 of issue 10: personal data typed into free text is masked before it leaves intake."""

from __future__ import annotations

import pytest
from intake.privacy.rules import EMAIL_MASK, IDENTITY_MASK, mask_personal_data, name_pattern
from labor_contracts.identifiers import credit_code_problem


@pytest.mark.parametrize(("text", "masked"), [
    ("身份证11010519491231002X，", f"身份证{IDENTITY_MASK}，"),
    ("id 11010519491231002x.", f"id {IDENTITY_MASK}."),
    ("旧证110105491231002", f"旧证{IDENTITY_MASK}"),
    ("电话13812345678", "电话138****5678"),
    ("call +86 138 1234 5678 now", "call 138****5678 now"),
    ("手机：138-1234-5678。", "手机：138****5678。"),
    ("0086-13812345678", "138****5678"),
    ("座机0591-87654321转123", "座机0591-****4321"),
    ("(010)12345678", "010-****5678"),
    ("手机１３８－１２３４－５６７８，欠薪１２０００元", "手机138****5678，欠薪12000元"),
    ("身份证１１０１０５１９４９１２３１００２Ｘ", f"身份证{IDENTITY_MASK}"),
    ("邮箱ｚｓ＠ｅｘａｍｐｌｅ.com", f"邮箱{EMAIL_MASK}"),
    ("（0591）8765432", "0591-****5432"),
    ("mail zhang.san+wage@example.com.cn, thanks", f"mail {EMAIL_MASK}, thanks"),
])
def test_issue10_finding_5_contact_and_identity_patterns_are_masked(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize("text", [
    "六名工人三个月工资未发，共计120000.00元",
    "欠薪 13800000000.00 元",  # an amount, not a phone number
    "2026-09-30至2026-12-31",
    "20260930",
    "统一社会信用代码91350100M000100Y43",
    "某劳监立〔2026〕0012号",
    "case 3501-2026-000123",
    "工程款 1,234,567.89 元，6人",
    "Lisa and Zhangsan Ltd",
])
def test_issue10_finding_5_ordinary_facts_stay_intact(text: str) -> None:
    assert mask_personal_data(text, names=["张三", "Li"]) == text


def test_issue10_finding_5_all_digit_credit_code_is_not_taken_for_an_identity_number() -> None:
    code = "913501199001010003"  # a valid credit code whose places 7-14 read as a birth date
    assert credit_code_problem(code) is None
    assert mask_personal_data(f"代码{code}") == f"代码{code}"


@pytest.mark.parametrize(("names", "text", "masked"), [
    (["张三丰"], "我是张三丰，老板欠我钱", "我是张**，老板欠我钱"),
    (["张三丰"], "张 三 丰签字", "张 * *签字"),
    (["Zhang Sanfeng"], "I am ZHANG sanfeng; Sanfeng Zhang signed", "I am Z**** *******; S****** *****"
     " signed"),
    (["Maria-Luisa Chen"], "From maria luisa chen", "From m**** ***** ****"),
    (["Ｌｉ Ｗｅｉ"], "Ｌｉ　Ｗｅｉ here", "L*　*** here"),
    (["张三丰", "张三"], "张三丰和张三", "张**和张*"),
])
def test_issue10_finding_5_complainant_names_are_masked(names: list[str], text: str,
                                                        masked: str) -> None:
    assert mask_personal_data(text, names=names) == masked


def test_issue10_finding_5_a_one_letter_name_masks_nothing() -> None:
    assert name_pattern("A") is None
    assert mask_personal_data("A and B", names=["A", " "]) == "A and B"


def test_issue10_finding_5_everything_at_once() -> None:
    text = ("张三丰（身份证11010519491231002X，手机13812345678，邮箱zsf@example.org）"
            "在某某工地工作，欠薪120000.00元，见统一社会信用代码91350100M000100Y43")
    assert mask_personal_data(text, names=["张三丰"]) == (
        f"张**（身份证{IDENTITY_MASK}，手机138****5678，邮箱{EMAIL_MASK}）"
        "在某某工地工作，欠薪120000.00元，见统一社会信用代码91350100M000100Y43")
