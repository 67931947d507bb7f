"""The sources' column sets and row validation, pure (R-CRD-3)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from credit.ingestion.sources import SOURCES, BadFile, parse_row, read_csv, read_jsonl

from .conftest import credit_code

CODE = credit_code("91350100MA0000001")
INSURANCE = SOURCES["insurance"]


def test_r_crd_3_insurance_row_is_typed():
    assert parse_row(INSURANCE, {"credit_code": CODE, "month": "2026-02", "employees": "10",
                                 "insured": 9}) == (CODE, date(2026, 2, 1), 10, 9)


@pytest.mark.parametrize(("fields", "reason"), [
    ({"credit_code": CODE[:17] + "Z"}, "characters not allowed"),
    ({"credit_code": CODE[:16]}, "must be 18 characters"),
    ({"month": "2026-2"}, "YYYY-MM"),
    ({"month": "2026-00"}, "YYYY-MM"),
    ({"employees": "-3"}, "non-negative whole number"),
    ({"employees": "3.5"}, "non-negative whole number"),
    ({"employees": True}, "string or a number"),
    ({"insured": ""}, "insured is required"),
    ({"insured": "11"}, "insured (11) exceeds employees (10)"),
])
def test_r_crd_3_insurance_row_refused_with_reason(fields, reason):
    row = {"credit_code": CODE, "month": "2026-02", "employees": "10", "insured": "9"} | fields
    parsed = parse_row(INSURANCE, row)
    assert isinstance(parsed, str) and reason in parsed


@pytest.mark.parametrize(("amount", "reason"), [
    ("-0.01", "non-negative"), ("1.005", "more than 2 decimal places"), ("abc", "a number"),
    ("NaN", "non-negative"), ("1e20", "too large")])
def test_r_crd_3_amounts_are_non_negative_with_two_places(amount, reason):
    row = {"credit_code": CODE, "account": "6222", "month": "2026-02", "balance": amount,
           "wages_payable": "1"}
    parsed = parse_row(SOURCES["payroll"], row)
    assert isinstance(parsed, str) and reason in parsed


def test_r_crd_3_judgment_debtor_dates():
    row = {"credit_code": CODE, "court_case_number": "(2026)闽0102执1号", "court": "某法院",
           "amount": "100.5", "listed_on": "2026-03-01"}
    assert parse_row(SOURCES["judgment_debtors"], row)[-2:] == (date(2026, 3, 1), None)
    refused = parse_row(SOURCES["judgment_debtors"], row | {"removed_on": "2026-02-28"})
    assert refused == "removed_on (2026-02-28) is before listed_on (2026-03-01)"
    assert "YYYY-MM-DD" in parse_row(SOURCES["judgment_debtors"], row | {"listed_on": "2026-02-30"})


def test_r_crd_3_text_refuses_nul_and_keeps_optional_empty():
    row = {"project_id": "P-1", "month": "2026-01", "credit_code": CODE, "project_name": "x\x00",
           "workers_registered": 1, "workers_attended": 1, "wages_payable": 0, "wages_paid": 0}
    assert "NUL" in parse_row(SOURCES["attendance"], row)
    parsed = parse_row(SOURCES["attendance"], row | {"project_name": "楼", "district": " "})
    assert parsed[3:5] == ("楼", None)


def test_r_crd_3_csv_rows_are_numbered_from_the_first_data_row():
    lines = ["insured,credit_code,month,employees,extra\n",
             f"9,{CODE},2026-01,10,x\n", "\n", f"1,{CODE},2026-13,10,x\n", "1,2\n"]
    parsed = list(read_csv(INSURANCE, lines))
    assert parsed[0] == (1, (CODE, date(2026, 1, 1), 10, 9))
    assert parsed[1][0] == 2 and "YYYY-MM" in parsed[1][1]
    assert parsed[2] == (3, "has 2 fields, the header names 5")


def test_r_crd_3_csv_header_must_name_the_required_columns():
    with pytest.raises(BadFile, match="lacks the columns insured"):
        list(read_csv(INSURANCE, ["credit_code,month,employees\n"]))
    with pytest.raises(BadFile, match="empty"):
        list(read_csv(INSURANCE, []))


def test_r_crd_3_jsonl_rows_are_line_numbers_and_decimals_exact():
    first = {"credit_code": CODE, "month": "2026-01", "water_m3": "_", "electricity_kwh": 3}
    lines = [json.dumps(first).replace('"_"', "0.1") + "\n", "\n", "[1]\n", "{oops\n"]
    parsed = list(read_jsonl(SOURCES["utility"], lines))
    assert parsed[0] == (1, (CODE, date(2026, 1, 1), Decimal("0.1"), Decimal(3)))
    assert parsed[1] == (3, "must be a JSON object")
    assert parsed[2][0] == 4 and parsed[2][1].startswith("not JSON")


@pytest.mark.parametrize(("fields", "reason"), [
    ({"credit_code": CODE[:17] + "\x00"}, "characters not allowed in"),
    ({"credit_code": "\ud800" + CODE[1:]}, "characters not allowed in"),
    ({"project_id": "P\ud800"}, "not valid Unicode"),
])
def test_r_crd_3_what_postgresql_cannot_store_is_refused(fields, reason):
    row = {"project_id": "P-1", "month": "2026-01", "credit_code": CODE, "project_name": "x",
           "workers_registered": 1, "workers_attended": 1, "wages_payable": 0, "wages_paid": 0}
    parsed = parse_row(SOURCES["attendance"], row | fields)
    assert isinstance(parsed, str) and reason in parsed
    parsed.encode()  # the reason itself can be stored
    assert "\x00" not in parsed
