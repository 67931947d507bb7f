"""The identifiers in the contracts: new record and event ids; check characters of credit codes
and identity numbers."""

from __future__ import annotations

import os
import time
import uuid
from typing import Annotated

from pydantic import AfterValidator

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# What an API documents of a code it normalises (upper-cases) before checking it.
CREDIT_CODE_PATTERN = "^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}$"


def new_id() -> str:
    """A new UUID of version 7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits.

    Ids that grow in time keep every index they key growing at its right edge. Random (version 4)
    keys land on a random leaf of an index that no longer fits in memory once the history holds
    millions of rows: measured with a million complaints stored, 88 blocks read from disk and 18
    full-page images written to the WAL per complaint, against 3 and 0.2 with ten thousand.
    Not for secrets (tokens, tracking codes): the first 48 bits tell when it was made.
    """
    rand = int.from_bytes(os.urandom(10), "big")
    value = ((time.time_ns() // 1_000_000) & (1 << 48) - 1) << 80 | 0x7 << 76 \
        | (rand >> 68) << 64 | 0b10 << 62 | rand & (1 << 62) - 1
    return str(uuid.UUID(int=value))


def credit_code_check_character(first17: str) -> str:
    """GB 32100-2015: weights 3^i mod 31, check = (31 - sum mod 31) mod 31."""
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why `code` is not a valid unified social credit code (统一社会信用代码), or None."""
    if len(code) != 18:
        return f"must be 18 characters, got {len(code)}"
    bad = sorted({ch for ch in code if ch not in CREDIT_CODE_ALPHABET})
    if bad:
        return f"characters not allowed: {''.join(bad)} (I, O, Z, S, V and lower case are never used)"
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]!r}, expected {expected!r}"
    return None


def identity_number_problem(number: str) -> str | None:
    """Why `number` is not a valid resident identity number (GB 11643, ISO 7064 MOD 11-2)."""
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        return "must be 17 digits and a check character (0-9 or X)"
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
    expected = "10X98765432"[total % 11]
    if number[17] != expected:
        return f"check character is {number[17]!r}, expected {expected!r}"
    return None


def normalized_credit_code(value: str) -> str:
    """The code upper-cased; ValueError naming what is wrong when it is not valid."""
    code = value.strip().upper()
    problem = credit_code_problem(code)
    if problem:
        raise ValueError(f"unified social credit code invalid: {problem}")
    return code


CreditCode = Annotated[str, AfterValidator(normalized_credit_code)]
"""A unified social credit code field of an API model, validated (R-CRD-1)."""
