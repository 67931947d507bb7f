"""Pure evidence rules: the evidence list (R-CASE-4) and the hash chain that makes any alteration
or deletion detectable (R-OVS-1). No I/O."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

GENESIS = "0" * 64


class EvidenceKind(StrEnum):
    """R-CASE-4 evidence list."""

    LABOR_CONTRACT = "labor_contract"  # 劳动合同
    ATTENDANCE_RECORD = "attendance_record"  # 考勤记录
    PAYROLL = "payroll"  # 工资表
    BANK_STATEMENT = "bank_statement"  # 银行流水
    SOCIAL_INSURANCE_RECORD = "social_insurance_record"  # 社保缴费记录
    IMAGE_VIDEO = "image_video"  # 图像/视频
    INTERVIEW_TRANSCRIPT = "interview_transcript"  # 询问笔录


@dataclass(frozen=True)
class Link:
    """The fields of one evidence item that its row hash covers."""

    id: str
    case_id: str
    position: int
    kind: str
    title: str
    description: str
    content_type: str
    content_sha256: str
    collected_by: str
    collected_at: datetime
    prev_hash: str


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def row_hash(link: Link) -> str:
    """SHA-256 over the previous row's hash and this row's fields (canonical JSON)."""
    canonical = json.dumps(
        [link.prev_hash, link.id, link.case_id, link.position, link.kind, link.title,
         link.description, link.content_type, link.content_sha256, link.collected_by,
         link.collected_at.isoformat()], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Stored:
    """A stored row as read back: its fields, its content and the hashes stored with it."""

    link: Link
    content: bytes
    row_hash: str


@dataclass(frozen=True)
class Finding:
    position: int
    item_id: str | None
    problem: str


def verify_chain(rows: list[Stored], anchors: list[str]) -> list[Finding]:
    """Findings for a case's chain in position order; empty when intact.

    Detects: content altered (content hash), fields altered (row hash), a row missing or
    reordered (positions and prev_hash links), and the last rows deleted (each row hash was
    recorded at collection in the hash-chained audit log: `anchors`).
    """
    findings: list[Finding] = []
    prev = GENESIS
    expected_position = 1
    for row in rows:
        link = row.link
        if link.position != expected_position:
            findings.append(Finding(expected_position, None,
                                    f"items {expected_position}..{link.position - 1} are missing"))
        if content_hash(row.content) != link.content_sha256:
            findings.append(Finding(link.position, link.id, "content altered: its SHA-256 differs"))
        if row_hash(link) != row.row_hash:
            findings.append(Finding(link.position, link.id, "fields altered: row hash differs"))
        if link.prev_hash != prev:
            findings.append(Finding(link.position, link.id,
                                    "chain broken: previous hash does not match the previous row"))
        prev = row.row_hash
        expected_position = link.position + 1
    present = {row.row_hash for row in rows}
    for index, anchor in enumerate(anchors, start=1):
        if anchor not in present:
            findings.append(Finding(index, None,
                                    f"item recorded in the audit log ({anchor[:12]}…) is missing "
                                    "or altered"))
    return findings
