"""Pure disclosure rules: categories, the publicity term (R-PUB-4), what is public (R-PUB-3)."""

from __future__ import annotations

import base64
import calendar
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum


class Category(StrEnum):
    """What partners subscribe to (`major_violation` and `inspection_result` are not produced
    yet)."""

    PENALTY_DECISION = "penalty_decision"  # R-PUB-1 administrative penalty results
    MAJOR_VIOLATION = "major_violation"  # R-PUB-2 重大违法案件社会公布
    INSPECTION_RESULT = "inspection_result"  # R-PUB-2 / R-INS-3 double-random results
    BLACKLIST = "blacklist"  # R-CRD-4 wage-arrears blacklist
    JOINT_PUNISHMENT = "joint_punishment"  # R-MAJ-3 bid bars and market bans (联合惩戒), push only


class Platform(StrEnum):
    """National platforms every penalty result goes to (R-PUB-1)."""

    CREDIT_CHINA = "credit_china"  # 信用中国
    GSXT = "gsxt"  # 国家企业信用信息公示系统


# R-PUB-3: the complete list of what a disclosure shows. Nothing about the complainant, ever.
PUBLIC_FIELDS: tuple[str, ...] = (
    "employer_name", "employer_credit_code", "legal_representative", "violation", "legal_basis",
    "penalty", "authority", "decided_on", "publicity_ends_on",
)


def add_years(day: date, years: int) -> date:
    """Same day `years` later (the term ends on it, 民法典 art. 201); 29 Feb → 28 Feb."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def publicity_end(decided_on: date, term_years: int, stated: date | None = None) -> date:
    """Last day the disclosure is public: the date the decision states, else the term's end."""
    if stated is not None:
        return stated
    return add_years(decided_on, term_years)


def platform_due(decided_on: date, within_days: int, publish_by: date) -> date:
    """R-PUB-1 / R-CASE-8: public within `within_days` of the decision, or earlier if cases says."""
    return min(decided_on + timedelta(days=within_days), publish_by)


def penalty_text(fine_amount: Decimal, measures: list[str]) -> str:
    """The penalty as the public reads it: the fine in yuan, then any other measures."""
    parts = [f"罚款 {fine_amount:.2f} 元"] if fine_amount > 0 else []
    return "；".join([*parts, *measures]) or "无"


def is_public(publicity_ends_on: date, withdrawn: bool, today: date) -> bool:
    """R-PUB-4: taken down once withdrawn or once its term has ended."""
    return not withdrawn and today <= publicity_ends_on


CURSOR_VERSION = "v1"


def encode_cursor(position: int) -> str:
    """An opaque feed cursor: the position of the last entry a partner has seen."""
    return base64.urlsafe_b64encode(f"{CURSOR_VERSION}:{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int | None:
    """The position in a cursor; None when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    version, _, position = text.partition(":")
    if version != CURSOR_VERSION or not position.isdigit() or len(position) > 18:
        return None
    return int(position)
