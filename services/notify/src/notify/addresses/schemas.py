"""API shapes of delivery-address confirmations."""

from __future__ import annotations

from datetime import datetime

from labor_runtime.inputs import Text
from pydantic import BaseModel, Field

from notify.addresses.rules import ConfirmationMethod, SignatoryCapacity
from notify.channels.base import ChannelName

CREDIT_CODE = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"
MAX_ARTEFACT_B64 = 14_000_000  # a 10 MB scan, base64


class ConfirmedAddress(BaseModel):
    channel: ChannelName
    address: Text = Field(max_length=200, description="e-mail address, fax number, "
                         "WeChat openid or DingTalk userid")


class ConfirmationIn(BaseModel):
    """A delivery-address confirmation as the party signed it."""

    credit_code: str = Field(pattern=CREDIT_CODE, description="the party's unified social credit code")
    party_name: Text = Field(max_length=200)
    signatory: Text = Field(max_length=100, description="who signed for the party")
    signatory_capacity: SignatoryCapacity
    addresses: list[ConfirmedAddress] = Field(min_length=1, max_length=4)
    method: ConfirmationMethod
    artefact_b64: str = Field(min_length=1, max_length=MAX_ARTEFACT_B64,
                              description="mobile_signature: the signature as PNG; scan: the signed "
                              "paper as PDF, JPEG or PNG; base64")
    artefact_type: str = Field(description="image/png, image/jpeg or application/pdf")
    signed_at: datetime


class WithdrawalIn(BaseModel):
    reason: Text = Field(max_length=500, description="e.g. the party withdrew its consent")


class ConfirmationView(BaseModel):
    id: str
    credit_code: str
    party_name: str
    signatory: str
    signatory_capacity: str
    addresses: list[ConfirmedAddress]
    method: str
    artefact_type: str
    artefact_sha256: str = Field(description="hex SHA-256 of the signed artefact, fixed when recorded")
    signed_at: datetime
    recorded_by: str
    recorded_at: datetime
    in_force: bool
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
