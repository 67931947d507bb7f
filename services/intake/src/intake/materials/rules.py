"""Pure evidence rules (R-INT-2): what a file is by its first bytes, its content hash, and the
keys it is stored under."""

from __future__ import annotations

import hashlib
import re

SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}


def matches_content_type(data: bytes, content_type: str) -> bool:
    """The bytes start like the declared type (types without a known signature pass)."""
    signatures = SIGNATURES.get(content_type)
    return signatures is None or data.startswith(signatures)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def storage_key(complaint_id: str, sha256: str) -> str:
    """Content-addressed per complaint: uploading the same file twice stores it once."""
    return f"{complaint_id}/{sha256}"


_SAFE_KEY = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")


def is_safe_key(key: str) -> bool:
    """A storage key (or key prefix) every store takes literally: slash-separated plain names,
    none of them `..`, so it can neither leave a directory nor mean something else to S3."""
    return bool(_SAFE_KEY.match(key)) and ".." not in key.split("/")
