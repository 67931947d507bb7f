"""Pure document rules: the issued bytes must match their declared hash; the verify link a
QR code carries and the comparison of a presented copy's hash (R-DLV-4)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

KIND_LABELS = {
    "correction_notice": "一次性补正告知书",
    "penalty_notice": "行政处罚告知书",
    "penalty_decision": "行政处罚决定书",
    "reminder": "催告书",
    "credit_repair_notice": "信用修复告知书",
}


class ContentInvalid(ValueError):
    """The issued content is not what its hash says: it must never be served."""


def verified_content(content_b64: str, declared_sha256: str) -> bytes:
    """The document's bytes, once their SHA-256 is shown to be the declared one."""
    try:
        content = base64.b64decode(content_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ContentInvalid(f"content is not valid base64: {exc}") from exc
    if not content:
        raise ContentInvalid("content is empty")
    actual = hashlib.sha256(content).hexdigest()
    if actual != declared_sha256.strip().lower():
        raise ContentInvalid(f"sha256 mismatch: the content hashes to {actual}, "
                             f"the event declares {declared_sha256}")
    return content


def verify_url(public_base_url: str, document_id: str) -> str:
    """Where a document notify renders points its QR code (public, no login)."""
    return f"{public_base_url.rstrip('/')}/v1/documents/{document_id}/verify"


def hash_matches(stored_sha256: str, presented: str) -> bool:
    """Whether a presented copy's hash is the stored one (case-insensitive hex, constant time)."""
    return hmac.compare_digest(stored_sha256.lower(), presented.strip().lower())
