"""The shared-data sources of R-CRD-3 (共享数据来源) and their documented column sets: each row of a
batch is parsed into the typed values its table stores, or refused with the reason.

Pure: no I/O. `docs/ingestion.md` documents the same columns with an example line per source.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache

from labor_contracts.identifiers import credit_code_problem

Value = str | int | Decimal | date | None
Row = tuple[Value, ...]


class Kind(StrEnum):
    TEXT = "text"
    CREDIT_CODE = "credit_code"
    MONTH = "month"  # YYYY-MM, stored as the month's first day
    DATE = "date"  # YYYY-MM-DD
    COUNT = "count"  # a non-negative whole number
    AMOUNT = "amount"  # a non-negative decimal, at most 2 places (yuan, m³, kWh)


# What each kind becomes in PostgreSQL (the staging table's columns).
SQL_TYPES = {Kind.TEXT: "text", Kind.CREDIT_CODE: "text", Kind.MONTH: "date", Kind.DATE: "date",
             Kind.COUNT: "integer", Kind.AMOUNT: "numeric(16,2)"}

_MAX_TEXT = 200
_MAX_COUNT = 2**31 - 1
_MAX_AMOUNT = Decimal("99999999999999.99")  # numeric(16,2)
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = True
    description: str = ""


@dataclass(frozen=True)
class Source:
    """One source: its columns (in storage order), its table, the natural key the table is keyed
    by, and the checks that involve several columns of a row."""

    name: str
    table: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    checks: tuple[Callable[[Mapping[str, Value]], str | None], ...] = ()
    # columns that are the source's own (project name, district) rather than the table's
    extra: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def stored(self) -> tuple[str, ...]:
        """The table's columns the batch writes (besides `batch_id`)."""
        return tuple(n for n in self.names if n not in self.extra)


def _not_more(part: str, whole: str) -> Callable[[Mapping[str, Value]], str | None]:
    def check(row: Mapping[str, Value]) -> str | None:
        a, b = row[part], row[whole]
        if a is not None and b is not None and a > b:  # type: ignore[operator]
            return f"{part} ({a}) exceeds {whole} ({b})"
        return None

    return check


def _removed_after_listed(row: Mapping[str, Value]) -> str | None:
    listed, removed = row["listed_on"], row["removed_on"]
    if isinstance(listed, date) and isinstance(removed, date) and removed < listed:
        return f"removed_on ({removed}) is before listed_on ({listed})"
    return None


C = Column
SOURCES: dict[str, Source] = {s.name: s for s in (
    Source("attendance", "attendance_months", (
        C("project_id", Kind.TEXT, description="the housing system's project code"),
        C("month", Kind.MONTH),
        C("credit_code", Kind.CREDIT_CODE, description="the general contractor"),
        C("project_name", Kind.TEXT),
        C("district", Kind.TEXT, required=False),
        C("workers_registered", Kind.COUNT, description="workers registered by real name"),
        C("workers_attended", Kind.COUNT, description="of them, with attendance that month"),
        C("wages_payable", Kind.AMOUNT, description="yuan"),
        C("wages_paid", Kind.AMOUNT, description="yuan"),
    ), key=("project_id", "month"), extra=("project_name", "district"),
        checks=(_not_more("workers_attended", "workers_registered"),)),
    Source("insurance", "insurance_months", (
        C("credit_code", Kind.CREDIT_CODE),
        C("month", Kind.MONTH),
        C("employees", Kind.COUNT, description="people on the payroll that month"),
        C("insured", Kind.COUNT, description="of them, insured that month"),
    ), key=("credit_code", "month"), checks=(_not_more("insured", "employees"),)),
    Source("payroll", "payroll_months", (
        C("credit_code", Kind.CREDIT_CODE),
        C("account", Kind.TEXT, description="the wage special account (工资专用账户)"),
        C("month", Kind.MONTH),
        C("project_id", Kind.TEXT, required=False),
        C("balance", Kind.AMOUNT, description="yuan, at the month's end"),
        C("wages_payable", Kind.AMOUNT, description="yuan, the month's payable wages"),
    ), key=("credit_code", "account", "month")),
    Source("utility", "utility_months", (
        C("credit_code", Kind.CREDIT_CODE),
        C("month", Kind.MONTH),
        C("water_m3", Kind.AMOUNT),
        C("electricity_kwh", Kind.AMOUNT),
    ), key=("credit_code", "month")),
    Source("judgment_debtors", "judgment_debtors", (
        C("credit_code", Kind.CREDIT_CODE),
        C("court_case_number", Kind.TEXT, description="执行案号"),
        C("court", Kind.TEXT),
        C("amount", Kind.AMOUNT, description="yuan"),
        C("listed_on", Kind.DATE),
        C("removed_on", Kind.DATE, required=False, description="when the listing ended"),
    ), key=("credit_code", "court_case_number"), checks=(_removed_after_listed,)),
)}


class BadFile(ValueError):
    """The whole file cannot be read (no header, missing columns, not UTF-8): no row loads."""


@lru_cache(maxsize=65536)
def _credit_code(value: str) -> str | None:
    """Cached: a city's files name the same employers month after month."""
    return credit_code_problem(value)


def _text(name: str, text: str) -> Value:
    text = text.strip()
    if "\x00" in text:  # PostgreSQL text cannot hold it
        raise ValueError(f"{name} contains a NUL character")
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:  # a lone surrogate from a JSON escape
            raise ValueError(f"{name} is not valid Unicode") from None
    if len(text) > _MAX_TEXT:
        raise ValueError(f"{name} is longer than {_MAX_TEXT} characters")
    return text or None


def _code(name: str, text: str) -> Value:
    if not text.isascii() or "\x00" in text:  # the reason must not echo what cannot be stored
        raise ValueError(f"{name}: characters not allowed in {text[:20]!r}")
    problem = _credit_code(text)
    if problem:
        raise ValueError(f"{name}: {problem}")
    return text


@lru_cache(maxsize=4096)
def _month_of(text: str) -> date | None:
    match = _MONTH.fullmatch(text)
    if not match or not 1 <= int(match[2]) <= 12:
        return None
    return date(int(match[1]), int(match[2]), 1)


def _month(name: str, text: str) -> Value:
    month = _month_of(text)
    if month is None:
        raise ValueError(f"{name} must be a month as YYYY-MM, got {text[:20]!r}")
    return month


def _date(name: str, text: str) -> Value:
    match = _DATE.fullmatch(text)
    try:
        if not match:
            raise ValueError
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(f"{name} must be a date as YYYY-MM-DD, got {text[:20]!r}") from None


def _count(name: str, text: str) -> Value:
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"{name} must be a non-negative whole number, got {text[:20]!r}")
    count = int(text)
    if count > _MAX_COUNT:
        raise ValueError(f"{name} is too large")
    return count


def _amount(name: str, text: str) -> Value:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{name} must be a number, got {text[:20]!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{name} must be a non-negative number, got {text[:20]!r}")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(f"{name} has more than 2 decimal places")
    if amount > _MAX_AMOUNT:
        raise ValueError(f"{name} is too large")
    return amount


_CONVERT: dict[Kind, Callable[[str, str], Value]] = {
    Kind.TEXT: _text, Kind.CREDIT_CODE: _code, Kind.MONTH: _month, Kind.DATE: _date,
    Kind.COUNT: _count, Kind.AMOUNT: _amount}


def parse_values(source: Source, raw: Iterable[object]) -> Row | str:
    """The row's values (raw, in the source's column order) typed, or why it is refused."""
    typed: list[Value] = []
    try:
        for column, value in zip(source.columns, raw, strict=True):
            if isinstance(value, str):
                converted = _CONVERT[column.kind](column.name, value) if value else None
            elif value is None:
                converted = None
            elif isinstance(value, int) and not isinstance(value, bool):
                converted = _CONVERT[column.kind](column.name, str(value))
            else:
                raise ValueError(f"{column.name} must be a string or a number")
            if converted is None and column.required:
                raise ValueError(f"{column.name} is required")
            typed.append(converted)
    except ValueError as exc:
        return str(exc)
    if source.checks:
        named = dict(zip(source.names, typed, strict=True))
        for check in source.checks:
            problem = check(named)
            if problem:
                return problem
    return tuple(typed)


def parse_row(source: Source, fields: Mapping[str, object]) -> Row | str:
    """A record (a JSON object) typed, or why it is refused; names it does not know are ignored."""
    return parse_values(source, (fields.get(name) for name in source.names))


Parsed = tuple[int, Row | str]
"""A row's number (1 = the first data row) and its values or the reason it is refused."""


def read_csv(source: Source, lines: Iterable[str]) -> Iterator[Parsed]:
    """CSV with a header row naming the columns (any order; unknown columns are ignored)."""
    reader = csv.reader(lines)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise BadFile("the file is empty: a header row naming the columns comes first") from None
    except csv.Error as exc:
        raise BadFile(f"the header row is not CSV: {exc}") from None
    missing = [c.name for c in source.columns if c.required and c.name not in header]
    if missing:
        raise BadFile(f"the header lacks the columns {', '.join(missing)} of {source.name}")
    positions = [(header.index(c.name) if c.name in header else None) for c in source.columns]
    number = 0
    while True:
        number += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield number, f"not CSV: {exc}"
            continue
        if not record:  # a blank line
            number -= 1
            continue
        if len(record) != len(header):
            yield number, f"has {len(record)} fields, the header names {len(header)}"
            continue
        yield number, parse_values(source, [record[p] if p is not None else None
                                            for p in positions])


def read_jsonl(source: Source, lines: Iterable[str]) -> Iterator[Parsed]:
    """JSON Lines: one object per line; row n is line n (blank lines are skipped)."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line, parse_float=str)  # exact decimals
        except ValueError as exc:
            yield number, f"not JSON: {exc}"
            continue
        if not isinstance(record, dict):
            yield number, "must be a JSON object"
            continue
        yield number, parse_row(source, record)


READERS = {"csv": read_csv, "jsonl": read_jsonl}
MEDIA_TYPES = {"text/csv": "csv", "application/x-ndjson": "jsonl", "application/jsonl": "jsonl"}
