"""Signing a document in the caller's transaction, and verifying its signatures later."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime

import sqlalchemy as sa
from labor_runtime.crypto import FieldCipher
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from cases.documents.flows import staff_document, stored_content
from cases.settings import CasesRuntime
from cases.signatures import rules
from cases.signatures.models import document_signatures, signing_keys
from cases.signatures.schemas import SignaturesView, SignatureView


def _aad(signer: str) -> str:
    return f"signing_key:{signer}"


async def key_of(session: AsyncSession, cipher: FieldCipher, signer: str,
                 now: datetime) -> tuple[str, bytes, bytes]:
    """(key id, private key, public key) of the signer, created on first use (development store)."""
    row = (await session.execute(sa.select(signing_keys).where(
        signing_keys.c.signer == signer))).first()
    if row is None:
        private = rules.new_private_key()
        public = rules.public_key_of(private)
        await session.execute(insert(signing_keys).values(
            key_id=rules.key_id(public), signer=signer,
            public_key=base64.b64encode(public).decode(),
            private_key=cipher.encrypt(base64.b64encode(private).decode(), _aad(signer)),
            created_at=now).on_conflict_do_nothing(index_elements=[signing_keys.c.signer]))
        row = (await session.execute(sa.select(signing_keys).where(
            signing_keys.c.signer == signer))).one()
    private = base64.b64decode(cipher.decrypt(row.private_key, _aad(signer)))
    return row.key_id, private, base64.b64decode(row.public_key)


async def sign(session: AsyncSession, cipher: FieldCipher, *, document_id: str, signer: str,
               role: str, purpose: str, at: datetime) -> str:
    """Sign the document's stored bytes as they are now; returns the base64 signature."""
    content = await stored_content(session, document_id)
    digest = hashlib.sha256(bytes(content)).hexdigest()
    key_id, private, public = await key_of(session, cipher, signer, at)
    statement = rules.Statement(document_id=document_id, sha256=digest, signer=signer, role=role,
                                purpose=purpose, signed_at=at)
    signature = rules.sign(private, statement)
    await session.execute(document_signatures.insert().values(
        document_id=document_id, signer=signer, role=role, purpose=purpose, sha256=digest,
        key_id=key_id, public_key=base64.b64encode(public).decode(), algorithm=rules.ALGORITHM,
        signature=signature, signed_at=at))
    return signature


async def verify_all(runtime: CasesRuntime, document_id: str, district: str | None) -> SignaturesView:
    """Every signature of the document, each verified against the bytes stored now."""
    async with runtime.engine.connect() as conn:
        document = await staff_document(conn, document_id, district)
        rows = (await conn.execute(sa.select(document_signatures).where(
            document_signatures.c.document_id == document_id)
            .order_by(document_signatures.c.seq))).all()
    content = bytes(document.content)
    views = []
    for r in rows:
        statement = rules.Statement(document_id=document_id, sha256=r.sha256, signer=r.signer,
                                    role=r.role, purpose=r.purpose, signed_at=r.signed_at)
        verdict = rules.check(public_key=base64.b64decode(r.public_key), statement=statement,
                              signature_b64=r.signature, current_content=content)
        views.append(SignatureView(
            signer=r.signer, role=r.role, purpose=r.purpose, sha256=r.sha256,
            algorithm=r.algorithm, key_id=r.key_id, public_key=r.public_key,
            signature=r.signature, signed_at=r.signed_at,
            signature_valid=verdict.signature_valid, document_unchanged=verdict.document_unchanged,
            valid=verdict.valid))
    return SignaturesView(document_id=document_id,
                          current_sha256=hashlib.sha256(content).hexdigest(),
                          all_valid=bool(views) and all(v.valid for v in views), signatures=views)
