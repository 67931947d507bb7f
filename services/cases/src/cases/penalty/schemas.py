"""API shapes of penalties: the handler's findings, the legal review, the hearing, the signed decision."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from labor_contracts.identifiers import CreditCode
from labor_runtime.inputs import Money, Text
from pydantic import BaseModel, ConfigDict, Field, StrictBool


class PartyIn(BaseModel):
    """The party (当事人) the penalty is imposed on, and where documents are served."""

    name: Text = Field(max_length=200)
    credit_code: CreditCode | None = Field(default=None, description="统一社会信用代码; validated")
    legal_representative: Text = Field(max_length=64, description="法定代表人")
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254,
                       description="service address the party confirmed for electronic delivery")
    address: str | None = Field(default=None, max_length=300)



class PenaltyProposalCreate(BaseModel):
    """The A-post handler's findings and proposed penalty (R-CASE-5 decides if a notice is due)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "violation": "拖欠六名劳动者2025年10月至12月工资共计人民币120000元，经责令限期支付逾期仍未支付",
        "legal_basis": "《保障农民工工资支付条例》第五十七条",
        "fine_amount": "30000.00",
        "measures": ["责令于十五日内支付拖欠的劳动者工资"],
        "stop_production": False,
        "party": {"name": "某某建筑工程有限公司", "credit_code": "91350100M000100Y43",
                  "legal_representative": "李四", "email": "legal@example-builder.cn",
                  "address": "某市某区某路1号"},
    }]})

    violation: Text = Field(min_length=2, max_length=4000, description="the facts found (违法事实)")
    legal_basis: Text = Field(min_length=2, max_length=2000, description="the provisions applied")
    fine_amount: Money = Field(le=Decimal("1e9"), description="yuan")
    measures: list[Annotated[Text, Field(max_length=500)]] = Field(
        default_factory=list, max_length=20, description="other measures, e.g. 责令限期改正")
    stop_production: StrictBool = Field(default=False,
                                        description="an order to stop production or business (责令停产停业)")
    party: PartyIn


class PenaltyReview(BaseModel):
    """The B-post legal review (法制审核): facts, evidence, procedure, amount."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"decision": "approve", "reason": "事实清楚，证据确凿，程序合法，量罚适当"},
        {"decision": "reject", "reason": "缺少工资支付记录，请补充银行流水后重新提交"},
    ]})

    decision: Literal["approve", "reject"]
    reason: Text = Field(min_length=2, max_length=2000)


class PartyView(BaseModel):
    name: str
    credit_code: str | None
    legal_representative: str | None
    email: str | None
    address: str | None


class ProposalView(BaseModel):
    proposal_id: str
    case_id: str
    status: str
    violation: str
    legal_basis: str
    fine_amount: Decimal
    measures: list[str]
    stop_production: bool
    party: PartyView
    notice_required: bool = Field(description="R-CASE-5: the penalty notice precedes the decision")
    proposed_by: str
    proposed_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_reason: str | None
    notice_document_id: str | None = Field(description="the issued penalty notice, once approved")


class DecisionView(BaseModel):
    """A signed penalty decision (行政处罚决定书) and the deadlines it started."""

    decision_id: str
    case_id: str
    decision_number: str
    document_id: str
    verify_url: str
    sha256: str
    fine_amount: Decimal
    signed_by: str
    decided_at: datetime
    publish_by: date = Field(description="R-CASE-8: public by this date")
    served_at: datetime | None
    payment_due_at: datetime | None = Field(description="R-CASE-6: from the proven time of service")
    published_at: datetime | None


class HearingRequest(BaseModel):
    """The party's request for a hearing (听证申请), recorded by the handler."""

    requested_at: datetime | None = Field(
        default=None, description="when the party asked; default now (must be in the notice period)")
    note: str = Field(default="", max_length=2000)


class HearingRecordCreate(BaseModel):
    """The hearing's record (听证笔录): a basis of the decision (R-CASE-5)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "held_at": "2026-03-08T02:00:00Z", "presiding": "主持人王某",
        "participants": ["当事人委托代理人李某", "案件承办人张某"],
        "record": "当事人对拖欠工资事实无异议，请求从轻处罚。"}]})

    held_at: datetime
    presiding: Text = Field(max_length=200)
    participants: list[Annotated[Text, Field(max_length=200)]] = Field(min_length=1, max_length=50)
    record: Text = Field(min_length=2, max_length=50000)


class HearingView(BaseModel):
    hearing_id: str
    case_id: str
    requested_at: datetime
    requested_by: str
    hold_by: datetime = Field(description="R-CASE-5: held within 7 days of the request")
    held_at: datetime | None
    record_document_id: str | None
