"""Evidence upload (R-INT-2): store the bytes by hash, record them, and accept a complaint that was
waiting for them."""

from __future__ import annotations

import asyncio
import base64
import binascii

import sqlalchemy as sa
from labor_contracts.identifiers import new_id
from labor_runtime.problems import Problem
from sqlalchemy.dialects.postgresql import insert

from intake.complaints.flows import complete_materials
from intake.complaints.models import complaints
from intake.complaints.rules import MATERIAL_KINDS, ComplaintStatus, still_missing
from intake.materials.models import materials
from intake.materials.rules import content_hash, matches_content_type, storage_key
from intake.materials.schemas import MaterialReceipt, MaterialUpload
from intake.materials.storage import MaterialStore, StoreUnavailable
from intake.privacy.flows import description_aad, readable_names
from intake.privacy.rules import mask_personal_data
from intake.settings import IntakeRuntime, IntakeSettings

CLOSED = {ComplaintStatus.CLOSED, ComplaintStatus.NOT_REGISTERED}


def _decode(upload: MaterialUpload, settings: IntakeSettings) -> bytes:
    """The checked bytes of an upload, or the problem a client can fix."""
    if upload.kind not in MATERIAL_KINDS:
        raise Problem(422, "unknown-material-kind", "Unknown kind of material",
                      f"kinds: {', '.join(sorted(MATERIAL_KINDS))}")
    if upload.content_type not in settings.material_content_types:
        raise Problem(415, "unsupported-media-type", "Content type not accepted as evidence",
                      f"accepted: {', '.join(settings.material_content_types)}",
                      accepted=settings.material_content_types)
    if len(upload.content_base64) > (settings.material_max_bytes + 2) // 3 * 4 + 4:
        raise _too_large(settings)
    try:
        data = base64.b64decode(upload.content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Problem(422, "invalid-base64", "content_base64 is not valid base64", str(exc)) from exc
    if len(data) > settings.material_max_bytes:
        raise _too_large(settings)
    if not data:
        raise Problem(422, "empty-material", "The file is empty")
    if not matches_content_type(data, upload.content_type):
        raise Problem(415, "content-type-mismatch", "The file is not what its content type says",
                      f"the bytes do not start like {upload.content_type}")
    return data


def _decoded_and_hashed(upload: MaterialUpload, settings: IntakeSettings) -> tuple[bytes, str]:
    data = _decode(upload, settings)
    return data, content_hash(data)


def _too_many(settings: IntakeSettings) -> Problem:
    return Problem(409, "too-many-materials", "Too many materials for one complaint",
                   f"a complaint holds at most {settings.material_max_per_complaint} files",
                   limit=settings.material_max_per_complaint)


def _too_large(settings: IntakeSettings) -> Problem:
    return Problem(413, "payload-too-large", "Material too large",
                   f"the limit is {settings.material_max_bytes} bytes per file",
                   limit_bytes=settings.material_max_bytes)


async def upload(runtime: IntakeRuntime, store: MaterialStore, tracking_code: str,
                 body: MaterialUpload) -> tuple[MaterialReceipt, bool]:
    """Store one evidence file of the complaint with this tracking code; (receipt, created).

    The same file of the same kind uploaded again is answered with the first receipt. When it
    supplies the last missing item, the complaint is accepted in the same transaction.
    """
    settings = runtime.settings
    # decoding and hashing up to MATERIAL_MAX_BYTES takes milliseconds: off the event loop
    data, sha256 = await asyncio.to_thread(_decoded_and_hashed, body, settings)
    if body.sha256 is not None and body.sha256 != sha256:
        raise Problem(422, "hash-mismatch", "SHA-256 does not match the content",
                      f"the uploaded bytes hash to {sha256}", sha256=sha256)
    async with runtime.engine.connect() as conn:
        held = (sa.select(sa.func.count()).select_from(materials)
                .where(materials.c.complaint_id == complaints.c.id).scalar_subquery())
        found = (await conn.execute(sa.select(complaints.c.id, complaints.c.status,
                                              held.label("held")).where(
            complaints.c.tracking_code == tracking_code))).first()
    if found is None:
        raise Problem(404, "not-found", "No complaint with this tracking code")
    if found.status in CLOSED:
        raise Problem(409, "complaint-closed", "The complaint is closed",
                      "materials can no longer be added to it")
    if found.held >= settings.material_max_per_complaint:
        raise _too_many(settings)
    key = storage_key(found.id, sha256)
    try:
        await store.put(key, data, body.content_type)  # before the row: a row never lacks its bytes
    except StoreUnavailable as exc:
        problem = Problem(503, "service-unavailable", "Evidence store unavailable",
                          "retry shortly; the same file uploaded again is answered once")
        problem.headers["Retry-After"] = "2"
        raise problem from exc

    async with runtime.uow() as uow:
        row = (await uow.session.execute(sa.select(complaints).where(
            complaints.c.id == found.id).with_for_update())).one()
        now = runtime.clock.now()
        material_id = new_id()
        inserted = (await uow.session.execute(
            insert(materials).values(
                id=material_id, complaint_id=row.id, kind=body.kind,
                content_type=body.content_type, size_bytes=len(data), sha256=sha256,
                storage_key=key, uploaded_at=now,
                # R-INT-7: typed by the worker; kept masked, as typed only encrypted
                description=mask_personal_data(body.description,
                                               names=readable_names(runtime.cipher, row)),
                description_enc=runtime.cipher.encrypt(body.description,
                                                       description_aad(material_id)))
            .on_conflict_do_nothing().returning(materials.c.id))).first()
        status, missing = str(row.status), list(row.missing_materials or [])
        count = (await uow.session.execute(sa.select(sa.func.count()).select_from(materials).where(
            materials.c.complaint_id == row.id))).scalar_one()
        if inserted is not None and count > settings.material_max_per_complaint:
            raise _too_many(settings)  # a concurrent upload took the last place
        if inserted is None:
            existing = (await uow.session.execute(sa.select(materials).where(
                materials.c.complaint_id == row.id, materials.c.sha256 == sha256,
                materials.c.kind == body.kind))).one()
            material_id, now = existing.id, existing.uploaded_at
        elif row.status == ComplaintStatus.AWAITING_MATERIALS:
            missing = still_missing(missing, [body.kind])
            status = await complete_materials(uow, runtime, row, missing)
        await uow.commit()
    return MaterialReceipt(material_id=material_id, kind=body.kind, content_type=body.content_type,
                           size_bytes=len(data), sha256=sha256, uploaded_at=now,
                           complaint_status=status, missing=missing), inserted is not None
