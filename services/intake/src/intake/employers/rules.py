"""Pure employer matching (R-INT-6): a credit code identifies; else the normalized name and address."""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Punctuation, brackets and spaces that vary between how a hotline agent and a window type a name.
_NOISE = re.compile(r"[\s\u3000()（）\[\]【】〔〕<>《》\"'“”‘’`,，.。、;；:：·\-—_/\\#＃]+")


def normalized(text: str | None) -> str:
    """`某某建筑（福州）有限公司 ` and `某某建筑(福州)有限公司` compare equal: NFKC (full-width to
    half-width), case folded, punctuation and spaces removed."""
    if not text:
        return ""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text).casefold())


def digest_key(key: str) -> str:
    """A normalised address as stored for matching: its digest, so the read model does not hold the
    address a complainant typed, with what personal data it carried (R-INT-7); empty stays empty."""
    return hashlib.sha256(key.encode()).hexdigest() if key else ""


def address_key(address: str | None) -> str:
    """Equal for addresses that `normalized` makes equal."""
    return digest_key(normalized(address))


def employer_key(credit_code: str | None, name_key: str, address_key: str) -> str:
    """A new employer's key: its credit code, else a digest of its normalized name and address."""
    if credit_code:
        return f"cc:{credit_code}"
    digest = hashlib.sha256(f"{name_key}\x1f{address_key}".encode()).hexdigest()[:24]
    return f"na:{digest}"


def grid_conflict(current_grid: str | None, reported_grid: str) -> bool:
    """R-ORG-1: an employer belongs to exactly one grid; another grid reporting on it is refused."""
    return current_grid is not None and current_grid != reported_grid


def register_is_newer(applied_version: int | None, incoming_version: int) -> bool:
    """R-ORG-1: a register update (credit.employer.changed.v1) applies only when newer than the one
    applied, so an older update arriving late, or one delivered twice, changes nothing."""
    return applied_version is None or incoming_version > applied_version


def complaint_district(register_district: str | None, named_district: str | None) -> str | None:
    """R-ORG-1: a complaint against a registered employer goes to the employer's district in the
    register (where its one grid is); otherwise to the district the channel named."""
    return register_district or named_district
