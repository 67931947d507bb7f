"""Personal data in free text (R-INT-7): what a summary, project or note typed by or about the
complainant may carry out of intake.

Masked so the text stays readable to an inspector:
- resident identity numbers (18 characters with a date of birth, or the old 15 digits) → `[身份证号]`
- mobile numbers (+86, spaces and dashes allowed) → `138****5678`
- landline numbers with their area code → `0591-****4321`
- e-mail addresses → `[邮箱]`
- the complainant's own name(s), Chinese or Latin, as given in the structured fields → `张**`,
  `Z**** ***` (first character kept, every other letter a star)

Amounts, dates, unified social credit codes and case numbers stay as typed, except that full-width
digits and letters (as Chinese input methods type them) come out as ASCII ones. A name is masked
only as written in the structured fields: another spelling of it (pinyin of a Chinese name, a
nickname) is not recognised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from labor_contracts.identifiers import credit_code_problem, identity_number_problem

IDENTITY_MASK = "[身份证号]"
EMAIL_MASK = "[邮箱]"

_EDGE_BEFORE = r"(?<![0-9A-Za-z])"
_EDGE_AFTER = r"(?![0-9A-Za-z]|\.[0-9])"  # `\.[0-9]`: the integer part of an amount
_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_IDENTITY_18 = re.compile(_EDGE_BEFORE + r"[0-9]{6}(?:18|19|20)[0-9]{2}" + _DATE + r"[0-9]{3}[0-9Xx]"
                          + _EDGE_AFTER)
_IDENTITY_15 = re.compile(_EDGE_BEFORE + r"[0-9]{8}" + _DATE + r"[0-9]{3}" + _EDGE_AFTER)
_MOBILE = re.compile(r"(?<![0-9A-Za-z+])(?:(?:\+|00)?86[\s-]?)?(1[3-9][0-9])[\s-]?([0-9]{4})[\s-]?"
                     r"([0-9]{4})" + _EDGE_AFTER)
_LANDLINE = re.compile(r"(?<![0-9A-Za-z])(?:[(（](0[1-9][0-9]{1,2})[)）]|(0[1-9][0-9]{1,2}))[\s-]?"
                       r"[0-9]{3,4}([0-9]{4})(?:(?:-|转|ext\.?)[0-9]{1,6})?" + _EDGE_AFTER)
# full-width digits, Latin letters, plus, at and hyphen-minus, so `１３８－１２３４－５６７８` is
# found like `138-1234-5678`
_HALF_WIDTH = str.maketrans({**{chr(0xFF10 + c): chr(0x30 + c) for c in range(10)},
                             **{chr(0xFF21 + c): chr(0x41 + c) for c in range(26)},
                             **{chr(0xFF41 + c): chr(0x61 + c) for c in range(26)},
                             "＋": "+", "＠": "@", "－": "-"})
_NAME_PARTS = re.compile(r"[\s.·・-]+")
_CJK = re.compile(r"[\u3400-\u9fff]")


def _identity(match: re.Match[str]) -> str:
    number = match.group(0).upper()
    # an all-digit credit code can look like an identity number; it names an employer, not a person
    if credit_code_problem(number) is None and identity_number_problem(number) is not None:
        return match.group(0)
    return IDENTITY_MASK


def _mobile(match: re.Match[str]) -> str:
    return f"{match.group(1)}****{match.group(3)}"


def _landline(match: re.Match[str]) -> str:
    return f"{match.group(1) or match.group(2)}-****{match.group(3)}"


def _hidden(match: re.Match[str]) -> str:
    text = match.group(0)
    return text[0] + "".join("*" if ch.isalnum() else ch for ch in text[1:])


def name_pattern(name: str) -> re.Pattern[str] | None:
    """How `name` may be written in free text: a Chinese name with or without spaces between its
    characters; a Latin one in any case, its parts in either order. None when too short to mask
    without hiding ordinary words."""
    parts = [p for p in _NAME_PARTS.split(name.translate(_HALF_WIDTH).strip()) if p]
    if sum(len(p) for p in parts) < 2:
        return None
    if _CJK.search(name):
        return re.compile(r"\s*".join(re.escape(ch) for ch in "".join(parts)))
    orders = [parts, parts[::-1]] if len(parts) > 1 else [parts]
    spelled = "|".join(r"[\s.·・-]*".join(re.escape(p) for p in order) for order in orders)
    return re.compile(rf"(?<![A-Za-z])(?:{spelled})(?![A-Za-z])", re.IGNORECASE)


def mask_personal_data(text: str, *, names: Iterable[str] = ()) -> str:
    """`text` with identity numbers, phone numbers, e-mail addresses and the given names masked."""
    if not text:
        return text
    text = _EMAIL.sub(EMAIL_MASK, text.translate(_HALF_WIDTH))
    text = _IDENTITY_18.sub(_identity, text)
    text = _IDENTITY_15.sub(IDENTITY_MASK, text)
    text = _MOBILE.sub(_mobile, text)
    text = _LANDLINE.sub(_landline, text)
    # longest first, so a full name is masked before a shorter name it contains
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        pattern = name_pattern(name)
        if pattern is not None:
            text = pattern.sub(_hidden, text)
    return text


def mask_optional(text: str | None, *, names: Iterable[str] = ()) -> str | None:
    return None if text is None else mask_personal_data(text, names=names)
