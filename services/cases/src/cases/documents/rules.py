"""Pure document rules: fingerprints and the verify link their QR codes carry (R-DLV-4). No I/O."""

from __future__ import annotations

import hashlib
import hmac
import json
from enum import StrEnum
from typing import Any

from labor_contracts.common import DocumentKind


class ServedKind(StrEnum):
    """Documents notify serves that the contract's closed DocumentKind lacks: only
    `cases.document.issued.v2`, whose kind is an open string, carries them."""

    RECTIFICATION_ORDER = "rectification_order"


class FilingKind(StrEnum):
    """Documents the bureau renders and keeps but notify does not serve electronically."""

    COURT_ENFORCEMENT_APPLICATION = "court_enforcement_application"  # filed with the court


TITLES: dict[str, str] = {
    DocumentKind.PENALTY_NOTICE: "行政处罚告知书",
    DocumentKind.PENALTY_DECISION: "行政处罚决定书",
    DocumentKind.REMINDER: "催告书",
    DocumentKind.CREDIT_REPAIR_NOTICE: "信用修复告知书",
    DocumentKind.CORRECTION_NOTICE: "一次性补正告知书",
    ServedKind.RECTIFICATION_ORDER: "劳动保障监察限期整改指令书",
    FilingKind.COURT_ENFORCEMENT_APPLICATION: "强制执行申请书",
}


def served_kind(kind: str) -> DocumentKind | ServedKind:
    """The kind of a document notify serves (R-DLV-1); ValueError for a kind it does not serve."""
    try:
        return DocumentKind(kind)
    except ValueError:
        return ServedKind(kind)


def fingerprint(content: bytes) -> str:
    """Hex SHA-256 of the rendered bytes: what the stored copy and every served copy must match."""
    return hashlib.sha256(content).hexdigest()


def verify_url(public_base_url: str, document_id: str) -> str:
    """Where the document's QR code resolves (public, no login)."""
    return f"{public_base_url.rstrip('/')}/v1/documents/{document_id}/verify"


def hash_matches(stored_sha256: str, presented: str) -> bool:
    """Whether a presented hash is the stored one (case-insensitive hex, constant time)."""
    return hmac.compare_digest(stored_sha256.lower(), presented.strip().lower())


def canonical_json(form: dict[str, Any]) -> bytes:
    """An internal record (a form, a hearing's record) as the exact bytes that are hashed and
    signed: sorted keys, no whitespace, so the same record always gives the same SHA-256."""
    return json.dumps(form, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
