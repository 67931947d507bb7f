"""API shapes of signatures."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class SignatureView(BaseModel):
    """A stored signature and whether it still holds for the document as stored now."""

    signer: str
    role: str
    purpose: str = Field(description="e.g. submit, legal_review, register, decision")
    sha256: str = Field(description="SHA-256 of the document version that was signed")
    algorithm: str
    key_id: str
    public_key: str = Field(description="base64 raw Ed25519 public key")
    signature: str = Field(description="base64 signature of the canonical statement")
    signed_at: datetime
    signature_valid: bool = Field(description="the signature verifies with the signer's key")
    document_unchanged: bool = Field(description="the stored document still hashes to `sha256`")
    valid: bool


class SignaturesView(BaseModel):
    document_id: str
    current_sha256: str
    all_valid: bool
    signatures: list[SignatureView]
