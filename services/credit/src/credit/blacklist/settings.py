"""Settings of blacklist: each with its DOMAIN.md default and the rule it comes from."""

from __future__ import annotations

from pydantic import BaseModel, Field


class BlacklistSettings(BaseModel):
    blacklist_defence_working_days: int = Field(
        default=5, ge=1,
        description="R-CRD-4 working days the employer has to state a defence (陈述申辩) after the "
        "written notice before listing, as 《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》 "
        "(人社部令第45号, 2021) provides")
    blacklist_term_years: int = Field(
        default=3, ge=1, description="R-CRD-4 years an employer stays listed and punished")
    blacklist_authority: str = Field(
        default="某市人力资源和社会保障局",
        description="R-CRD-4 the authority that lists, printed on the notices and the disclosure")
    blacklist_decision_prefix: str = Field(
        default="某人社失信",
        description="R-CRD-4 prefix of the listing decision's number (列入决定书编号)")
