"""Pure signature rules: what is signed, Ed25519 signing and verification. No I/O.

A signature covers the canonical statement "this signer, in this role, for this purpose, at this
time, signs the document whose exact bytes hash to this SHA-256"; changing one byte of the document
changes its hash, so the stored signature no longer matches the document (tamper-evident).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "Ed25519"


@dataclass(frozen=True)
class Statement:
    """What one signature asserts."""

    document_id: str
    sha256: str
    signer: str
    role: str
    purpose: str
    signed_at: datetime

    def canonical(self) -> bytes:
        return json.dumps(["labor-inspection-signature-v1", self.document_id, self.sha256.lower(),
                           self.signer, self.role, self.purpose, self.signed_at.isoformat()],
                          ensure_ascii=False, separators=(",", ":")).encode()


def new_private_key() -> bytes:
    """32 raw bytes of a fresh Ed25519 private key."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def public_key_of(private_key: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private_key).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: bytes) -> str:
    """A key's id: the first 16 hex digits of the SHA-256 of its raw public key."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def sign(private_key: bytes, statement: Statement) -> str:
    """Base64 Ed25519 signature of the statement."""
    signature = Ed25519PrivateKey.from_private_bytes(private_key).sign(statement.canonical())
    return base64.b64encode(signature).decode()


def verify(public_key: bytes, statement: Statement, signature_b64: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            base64.b64decode(signature_b64, validate=True), statement.canonical())
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Check:
    """The verdict on one stored signature against the document as it is now."""

    signature_valid: bool
    document_unchanged: bool

    @property
    def valid(self) -> bool:
        return self.signature_valid and self.document_unchanged


def check(*, public_key: bytes, statement: Statement, signature_b64: str,
          current_content: bytes) -> Check:
    """Verify a stored signature and that the document's bytes still hash to what was signed."""
    current = hashlib.sha256(current_content).hexdigest()
    return Check(signature_valid=verify(public_key, statement, signature_b64),
                 document_unchanged=current == statement.sha256.lower())
