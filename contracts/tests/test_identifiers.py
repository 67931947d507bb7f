"""R-CRD-1 / R-INT-6: identifiers validate their check characters."""

from __future__ import annotations

import time
import uuid

import pytest
from labor_contracts.identifiers import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_character,
    credit_code_problem,
    identity_number_problem,
    new_id,
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


def test_new_ids_are_version_7_and_ordered_by_the_time_they_were_made():
    earlier = [new_id() for _ in range(1000)]
    time.sleep(0.002)
    later = new_id()
    parsed = uuid.UUID(later)
    assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
    assert abs((parsed.int >> 80) - time.time_ns() // 1_000_000) < 60_000  # Unix ms up front
    assert len(set(earlier)) == 1000  # 74 random bits within a millisecond
    assert all(e < later for e in earlier)  # text and uuid order alike: an index grows at its end
    assert all(uuid.UUID(e) < parsed for e in earlier)
