"""Signing keys (development key store) and the append-only signatures of documents."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from cases.tables import CasesTable


class SigningKey(CasesTable, table=True):
    """A signer's Ed25519 key pair. DEVELOPMENT KEY STORE: the private key is kept here encrypted
    with the field-encryption key; production replaces this table with the bureau's CA-issued
    certificates and an HSM that never releases private keys."""

    __tablename__ = "signing_keys"

    key_id: str = Field(primary_key=True)
    signer: str = Field(unique=True)
    public_key: str = Field(description="base64 raw Ed25519 public key")
    private_key: str = Field(description="field-encrypted base64 raw private key")
    created_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


class DocumentSignature(CasesTable, table=True):
    """One signature of one exact document version (its SHA-256). Append-only."""

    __tablename__ = "document_signatures"

    seq: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(),
                                                              primary_key=True))
    document_id: str = Field(foreign_key="documents.id", index=True)
    signer: str
    role: str
    purpose: str
    sha256: str
    key_id: str
    public_key: str
    algorithm: str
    signature: str
    signed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


signing_keys = SigningKey.__table__  # type: ignore[attr-defined]
document_signatures = DocumentSignature.__table__  # type: ignore[attr-defined]
