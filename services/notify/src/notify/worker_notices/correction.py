"""The one-time correction notice (一次性补正告知书) as a document: its id, number and wording
(R-INT-2, R-DLV-4). Pure: no I/O.

It names the worker by nothing but the tracking code (R-INT-7): a name, an identity number or a
phone printed here would travel to the filing channel and stay on the worker's phone.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from labor_contracts.common import DocumentKind
from labor_runtime.clock import BUREAU_TZ
from labor_runtime.rendering import DocumentContent, Party

TITLE = "一次性补正告知书"
KIND = DocumentKind.CORRECTION_NOTICE
CREATOR = "labor-inspection notify service"
RECIPIENT = {"name": "投诉人"}  # the complainant, unnamed: the channel knows them by tracking code

# Fixed forever: the id of a notice's document must come out the same on every redelivery.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:labor-inspection:notify:correction-notice")

CHANNEL_LABELS = {
    "window": "投诉受理窗口",
    "hotline_12333": "12333服务热线",
    "sunshine_wage_platform": "阳光工资平台",
    "wechat_miniprogram": "微信小程序",
    "petition_transfer": "信访转办渠道",
}

# What each missing item may be, so the worker brings the right thing the first time.
MATERIAL_GUIDANCE = {
    "identity_proof": "本人居民身份证、社会保障卡或护照等有效身份证件的照片或复印件",
    "preliminary_evidence": "能初步证明欠薪事实的材料，如工资条、工资表、聊天记录、考勤记录、"
                            "劳动合同或银行流水",
}


def document_id(complaint_id: str, event_id: str) -> str:
    """The notice's document id, derived from the event that asked for it: a redelivered event
    finds the document it rendered instead of rendering another."""
    return str(uuid.uuid5(_NAMESPACE, f"{complaint_id}/{event_id}"))


def number(prefix: str, document_id: str, issued_at: datetime) -> str:
    """补正告知书编号, e.g. 某劳监补〔2026〕1F0C9A2E号."""
    year = issued_at.astimezone(BUREAU_TZ).year
    return f"{prefix}〔{year}〕{document_id.replace('-', '')[:8].upper()}号"


def item_lines(missing: Sequence[str], items: Sequence[str]) -> list[str]:
    """Every missing item (R-INT-2: all at once), as intake worded it, with what qualifies."""
    lines = []
    for n, (code, wording) in enumerate(zip(missing, items, strict=True), start=1):
        guidance = MATERIAL_GUIDANCE.get(code)
        lines.append(f"{n}. {wording}" + (f"：{guidance}。" if guidance else "。"))
    return lines


def content(*, document_id: str, verify_url: str, authority: str, number: str,
            tracking_code: str, complaint_id: str, channel: str, missing: Sequence[str],
            items: Sequence[str], issued_at: datetime, materials_office: str) -> DocumentContent:
    """What the notice prints: who issues it, every missing item, how and where to supply them."""
    via = CHANNEL_LABELS.get(channel, channel)
    paragraphs = [
        f"你通过{via}提交的投诉（投诉编号：{complaint_id}）所附材料不齐全。本机关现一次性告知你"
        "需要补正的全部材料，补齐后即可受理，无需再次往返：",
        *item_lines(missing, items),
        f"补正方式：请凭本告知书所载查询码，通过原投诉渠道（{via}）上传上述材料；"
        f"也可携带上述材料至{materials_office}提交。",
        "本告知书不载明你的姓名、身份证件号码和联系方式。请妥善保管查询码，"
        "凭查询码可随时查询投诉办理进度。",
    ]
    return DocumentContent(
        authority=authority, title=TITLE, number=number, case_number=tracking_code,
        case_number_label="查询码", party=Party(name=RECIPIENT["name"]), party_label="致",
        paragraphs=paragraphs, issued_on=issued_at.astimezone(BUREAU_TZ).date(),
        document_id=document_id, verify_url=verify_url)
