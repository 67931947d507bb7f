"""API shapes of deliveries: the plan, every attempt, the proof of service (R-DLV-3) and the
mobile API through which a grid worker or the post proves service by hand."""

from __future__ import annotations

from datetime import datetime

from labor_runtime.inputs import Text
from pydantic import BaseModel, Field

MAX_IMAGE_B64 = 14_000_000  # a 10 MB photo or scan, base64


class PlannedChannel(BaseModel):
    channel: str
    address: str


class SkippedChannel(BaseModel):
    channel: str
    reason: str = Field(description="why this channel cannot serve the recipient")


class AttemptView(BaseModel):
    """One hand-over, follow-up or callback: the far end's reply, kept append-only."""

    round: int
    channel: str
    address: str
    started_at: datetime
    finished_at: datetime
    outcome: str = Field(description="served, handed_over (proof awaited), failed or no_proof")
    reply_code: int | None = Field(description="e.g. the SMTP reply code or the API's errcode")
    reply_text: str
    reference: str | None = Field(description="the hand-over's key its proof comes back under")


class ProofView(BaseModel):
    """Proof of service (送达凭证): legal clocks start at `served_at`."""

    proof_id: str | None
    channel: str = Field(description="email, fax, wechat, dingtalk, grid_worker or post")
    address: str
    served_at: datetime
    reply_code: int | None
    reply_text: str
    message_id: str
    text: str = Field(description="the proof as sent in notify.document.served.v1")
    sha256: str | None = Field(description="hex SHA-256 of the kept artefact, GET …/proof")
    content_type: str | None
    chain_sha256: str | None = Field(description="the case's proof chain after this proof")


class DeliveryView(BaseModel):
    id: str
    document_id: str
    case_id: str
    kind: str
    title: str
    status: str = Field(description="pending, awaiting_proof, in_person, served or failed")
    plan: list[PlannedChannel] = Field(description="channels tried in this order each round, on "
                                       "the party's confirmed addresses")
    skipped: list[SkippedChannel]
    confirmation_id: str | None = Field(description="the delivery-address confirmation planned on")
    rounds: int = Field(description="rounds of attempts completed so far")
    next_attempt_at: datetime | None
    awaiting: PlannedChannel | None = Field(description="the hand-over whose proof is awaited")
    proof_due_at: datetime | None
    fallback: str = Field(description="grid_worker or post: who serves it if no channel proves it")
    in_person_since: datetime | None
    in_person_reason: str | None
    grid: str | None = Field(description="the employer's grid whose workers serve it by hand")
    created_at: datetime
    proof: ProofView | None
    failed_at: datetime | None
    failure_reason: str | None
    attempts: list[AttemptView]


class InPersonProofIn(BaseModel):
    """A grid worker served the document by hand (直接送达): the party signed for it."""

    served_at: datetime
    received_by: Text = Field(max_length=100, description="who signed for the party")
    place: Text = Field(max_length=300)
    photo_b64: str = Field(min_length=1, max_length=MAX_IMAGE_B64,
                           description="photo of the hand-over, base64")
    photo_type: str = Field(description="image/jpeg or image/png")
    signature_b64: str = Field(min_length=1, max_length=MAX_IMAGE_B64,
                               description="the receiver's signature on the mobile form, PNG, base64")
    note: str = Field(default="", max_length=1000)


class PostalProofIn(BaseModel):
    """The post returned its receipt (邮寄送达回执)."""

    tracking_number: str = Field(pattern=r"^[A-Z0-9]{8,30}$")
    received_at: datetime = Field(description="the date of receipt the post's receipt shows")
    receipt_b64: str = Field(min_length=1, max_length=MAX_IMAGE_B64,
                             description="the signed return receipt, scanned, base64")
    receipt_type: str = Field(description="application/pdf, image/jpeg or image/png")


class ChainLink(BaseModel):
    proof_id: str
    document_id: str
    channel: str
    served_at: datetime
    sha256: str
    previous_chain: str
    chain_sha256: str
    intact: bool = Field(description="the artefact still hashes to `sha256` and the link follows")


class ProofChainView(BaseModel):
    """Every proof of service of a case, linked in order: a removed or altered proof breaks it."""

    case_id: str
    intact: bool
    links: list[ChainLink]
