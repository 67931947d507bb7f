"""HTTP API of deliveries: staff follow a case's service, its attempts and its proof; a grid
worker (or the clerk, for the post) proves service by hand from the mobile app."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from labor_runtime.app import RuntimeDep, staff
from labor_runtime.security import Principal, Role

from notify.delivery import proofs, queries
from notify.delivery.rules import DeliveryStatus, Fallback
from notify.delivery.schemas import DeliveryView, InPersonProofIn, PostalProofIn, ProofChainView

# Not ops: a delivery names the party's addresses and keeps photos and signatures (DOMAIN: ops
# never read personal data).
READERS = (Role.OFFICER_A, Role.REVIEWER_B, Role.EXECUTOR_C, Role.BRIGADE_CHIEF,
           Role.DETACHMENT_CHIEF)
BY_HAND = (Role.GRID_WORKER, Role.OFFICER_A, Role.EXECUTOR_C, Role.BRIGADE_CHIEF,
           Role.DETACHMENT_CHIEF)
BY_POST = (Role.OFFICER_A, Role.EXECUTOR_C, Role.BRIGADE_CHIEF, Role.DETACHMENT_CHIEF)

router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])
chains = APIRouter(prefix="/v1/proof-chains", tags=["deliveries"])

Reader = Annotated[Principal, Depends(staff(*READERS, Role.GRID_WORKER))]
ByHand = Annotated[Principal, Depends(staff(*BY_HAND))]
ByPost = Annotated[Principal, Depends(staff(*BY_POST))]
DeliveryId = Annotated[str, Path(max_length=200)]


@router.get("", summary="Deliveries, newest first, by case and status")
async def list_deliveries(
    runtime: RuntimeDep, who: Reader,
    case_id: Annotated[str | None, Query(max_length=200)] = None,
    status: DeliveryStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryView]:
    """A grid worker sees only the deliveries its grids are to serve by hand (its work list:
    `status=in_person`); other staff see all."""
    grid_worker = None if who.has_any(set(READERS)) else who.subject
    return await queries.list_deliveries(runtime, who, case_id=case_id, status=status,
                                         grid_worker=grid_worker, limit=limit)


@router.get("/{delivery_id}", summary="One delivery with its attempts and proof of service")
async def get_delivery(runtime: RuntimeDep, who: Annotated[Principal, Depends(staff(*READERS))],
                       delivery_id: DeliveryId) -> DeliveryView:
    return await queries.get_delivery(runtime, who, delivery_id)


@router.get("/{delivery_id}/proof", response_class=Response,
            summary="The kept proof of service exactly as received (DSN, read receipt, …)")
async def get_proof(runtime: RuntimeDep, who: Annotated[Principal, Depends(staff(*READERS))],
                    delivery_id: DeliveryId) -> Response:
    content, content_type = await queries.proof_artefact(runtime, who, delivery_id)
    return Response(content, media_type=content_type)


@router.post("/{delivery_id}/in-person", summary="A grid worker served the document by hand")
async def served_in_person(runtime: RuntimeDep, who: ByHand, delivery_id: DeliveryId,
                           body: InPersonProofIn) -> DeliveryView:
    """The photo of the hand-over and the receiver's signature are the proof (R-DLV-3); the legal
    clocks run from `served_at`. A grid worker records for its own grid's deliveries only."""
    photo = proofs.decoded("photo", body.photo_b64, body.photo_type, ("image/jpeg", "image/png"))
    signature = proofs.decoded("signature", body.signature_b64, "image/png", ("image/png",))
    await proofs.record_by_hand(
        runtime, who, delivery_id, way=Fallback.GRID_WORKER, served_at=body.served_at,
        reference=f"in person at {body.place}",
        summary=(f"served in person by {who.subject} at {body.place} on "
                 f"{body.served_at.isoformat()}; signed for by {body.received_by}"),
        record={"received_by": body.received_by, "place": body.place, "note": body.note,
                "photo_type": body.photo_type, "photo_b64": body.photo_b64,
                "signature_b64": body.signature_b64,
                "photo_sha256": proofs.sha256_hex(photo),
                "signature_sha256": proofs.sha256_hex(signature)})
    return await queries.get_delivery(runtime, who, delivery_id)


@router.post("/{delivery_id}/postal", summary="The post returned its signed receipt")
async def served_by_post(runtime: RuntimeDep, who: ByPost, delivery_id: DeliveryId,
                         body: PostalProofIn) -> DeliveryView:
    scan = proofs.decoded("receipt", body.receipt_b64, body.receipt_type,
                          ("application/pdf", "image/jpeg", "image/png"))
    await proofs.record_by_hand(
        runtime, who, delivery_id, way=Fallback.POST, served_at=body.received_at,
        reference=body.tracking_number,
        summary=(f"served by registered post {body.tracking_number}, received "
                 f"{body.received_at.isoformat()} per the return receipt"),
        record={"tracking_number": body.tracking_number, "receipt_type": body.receipt_type,
                "receipt_b64": body.receipt_b64, "receipt_sha256": proofs.sha256_hex(scan)})
    return await queries.get_delivery(runtime, who, delivery_id)


@chains.get("/{case_id}", summary="A case's proofs of service, linked, and whether the chain holds")
async def get_proof_chain(runtime: RuntimeDep, who: Annotated[Principal, Depends(staff(*READERS))],
                          case_id: Annotated[str, Path(max_length=200)]) -> ProofChainView:
    return await queries.proof_chain(runtime, who, case_id)
