"""The employer's conduct (守法诚信表现) as the grade counts it (R-CRD-2): pure, no I/O.

Cases reports what the employer did with an order, a fine and a decision; intake its workers'
complaints; the closing callback (执法回访) the workers' satisfaction; staff what they found on
site. Each report is one conduct record; the grade counts them within its windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ConductKind(StrEnum):
    RECTIFICATION_LAPSED = "rectification_lapsed"  # cases.rectification.lapsed.v1 (逾期未整改)
    FINE_OVERDUE = "fine_overdue"  # cases.fine.overdue.v1 (逾期未缴罚款)
    COURT_ENFORCEMENT = "court_enforcement"  # cases.court_enforcement.applied.v1 (拒不执行处罚决定)
    INSPECTION_OBSTRUCTED = "inspection_obstructed"  # staff finding (拒绝、阻挠检查)
    VIOLENT_RESISTANCE = "violent_resistance"  # staff finding (暴力抗拒执法)
    FALSE_RECTIFICATION = "false_rectification"  # staff finding (虚假整改)
    COMPLAINT = "complaint"  # intake.complaint.accepted.v1 (职工投诉)
    CASE_CLOSED = "case_closed"  # cases.case.closed.v1, `detail` the workers' satisfaction


class FindingKind(StrEnum):
    """What an officer or executor may find on site and record against the employer."""

    INSPECTION_OBSTRUCTED = ConductKind.INSPECTION_OBSTRUCTED.value
    VIOLENT_RESISTANCE = ConductKind.VIOLENT_RESISTANCE.value
    FALSE_RECTIFICATION = ConductKind.FALSE_RECTIFICATION.value


class Satisfaction(StrEnum):
    """The workers' satisfaction found by the closing callback (执法回访)."""

    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


@dataclass(frozen=True)
class Report:
    """One conduct record as the grade sees it: what, when, and (for a closing) the answer."""

    kind: str
    occurred_at: datetime
    detail: str = ""
