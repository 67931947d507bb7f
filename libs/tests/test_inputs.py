"""The shared input shapes: what they refuse, and that the OpenAPI document says so."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from labor_runtime.inputs import Money, Text
from pydantic import BaseModel, Field, ValidationError


class Filed(BaseModel):
    name: Text = Field(max_length=8)
    reason: Text = Field(min_length=2, max_length=8)
    amount: Money = Field(gt=0)


VALID = {"name": "张三", "reason": "核实", "amount": "5000.00"}


@pytest.mark.parametrize("blank", ["", " ", "\t\n", "\u3000", "\u00a0", "\x1c", "\x85"])
def test_issue10_finding_7_text_blank_by_the_schemas_own_pattern_is_refused(blank):
    pattern = re.compile(Filed.model_json_schema()["properties"]["name"]["pattern"])
    assert pattern.search(blank) is None  # what a client generating from the schema expects
    with pytest.raises(ValidationError) as refused:
        Filed.model_validate_json(json.dumps({**VALID, "name": blank}))
    assert [e["loc"] for e in refused.value.errors()] == [("name",)]


def test_issue10_finding_7_text_is_kept_stripped_and_its_lengths_count_the_stripped_text():
    filed = Filed.model_validate_json(json.dumps({**VALID, "name": "  张三  ", "reason": " 核实 "}))
    assert (filed.name, filed.reason) == ("张三", "核实")
    with pytest.raises(ValidationError):
        Filed.model_validate_json(json.dumps({**VALID, "reason": " 核 "}))


@pytest.mark.parametrize("amount", ["1e30", "1000000000000", "0.001", "NaN", "Infinity", "-1", "0"])
def test_issue10_finding_2_money_beyond_numeric_14_2_is_refused(amount):
    with pytest.raises(ValidationError) as refused:
        Filed.model_validate_json(json.dumps({**VALID, "amount": amount}))
    assert [e["loc"] for e in refused.value.errors()] == [("amount",)]


def test_issue10_finding_2_money_up_to_the_columns_limit_is_taken_and_documented():
    largest = Filed.model_validate_json(json.dumps({**VALID, "amount": "999999999999.99"}))
    assert largest.amount == Decimal("999999999999.99")
    [number, _] = Filed.model_json_schema()["properties"]["amount"]["anyOf"]
    assert number["exclusiveMaximum"] == 1e12 and number["exclusiveMinimum"] == 0
