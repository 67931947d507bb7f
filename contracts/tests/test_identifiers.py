"""R-CRD-1 / R-INT-6: identifiers validate their check characters."""

from __future__ import annotations

import pytest
from labor_contracts.identifiers import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_character,
    credit_code_problem,
    identity_number_problem,
)

VALID_CODES = ["91350100M000100Y43", "91110000600037341L", "91440300708461136T"]


@pytest.mark.parametrize("code", VALID_CODES)
def test_r_crd_1_real_credit_codes_validate(code):
    assert credit_code_problem(code) is None


@pytest.mark.parametrize("code", VALID_CODES)
def test_r_crd_1_any_single_changed_character_fails(code):
    for position in range(18):
        for replacement in CREDIT_CODE_ALPHABET:
            if replacement == code[position]:
                continue
            changed = code[:position] + replacement + code[position + 1:]
            assert credit_code_problem(changed) is not None, changed


def test_r_crd_1_problems_say_what_is_wrong():
    assert "18 characters" in (credit_code_problem("123") or "")
    assert "not allowed" in (credit_code_problem("91350100M000100YI3") or "")
    assert "expected '3'" in (credit_code_problem("91350100M000100Y44") or "")
    assert credit_code_check_character("91350100M000100Y4") == "3"


def test_identity_number_check_character():
    assert identity_number_problem("11010519491231002X") is None
    assert identity_number_problem("110105194912310021") is not None
    assert identity_number_problem("1101051949123100") is not None
