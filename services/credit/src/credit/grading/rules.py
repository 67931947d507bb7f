"""Integrity grade rules (诚信等级, R-CRD-2): pure, no I/O; every point lost names its indicator.

The score starts at 100. Each of the 20 indicators, grouped in the 6 items of the rule, may cost
up to its weight; the indicator decides what share of its weight the employer's record costs
(its severity, 0 to 1), the weights themselves are configuration. Default weights per item:
number of cases 20, nature of violations 25, amounts 15, rectification 15, cooperation 15,
worker satisfaction 10 (100 in all). Score → A ≥ 90, B 80–89, C 60–79, D < 60.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cached_property

from credit.conduct.rules import ConductKind, Report, Satisfaction

BASE_SCORE = 100
ONE = Decimal(1)
ZERO = Decimal(0)


class Grade(StrEnum):
    """A: inspected 50% less; B: ordinary; C: key supervision; D: blacklist (R-CRD-2)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"


@dataclass(frozen=True)
class GradeScale:
    """R-CRD-2: the lowest score of grades A, B and C; anything below C is D (settings give them)."""

    a_min: int
    b_min: int
    c_min: int

    def __post_init__(self) -> None:
        if not BASE_SCORE >= self.a_min > self.b_min > self.c_min > 0:
            raise ValueError(f"grade thresholds must satisfy {BASE_SCORE} >= A > B > C > 0, "
                             f"got A={self.a_min}, B={self.b_min}, C={self.c_min}")

    def grade(self, score: int) -> Grade:
        if score >= self.a_min:
            return Grade.A
        if score >= self.b_min:
            return Grade.B
        if score >= self.c_min:
            return Grade.C
        return Grade.D


class Item(StrEnum):
    """The 6 items (项) of the grade."""

    CASES = "cases"  # 立案次数
    NATURE = "nature"  # 违法性质
    AMOUNTS = "amounts"  # 罚款金额
    RECTIFICATION = "rectification"  # 整改情况
    COOPERATION = "cooperation"  # 配合程度
    SATISFACTION = "satisfaction"  # 职工满意度


class ViolationKind(StrEnum):
    """Categories of the inspection checklist (R-INS-3) a penalised violation falls in."""

    WAGE_ARREARS = "wage_arrears"
    SOCIAL_INSURANCE = "social_insurance"
    LABOR_CONTRACT = "labor_contract"
    WORKING_HOURS = "working_hours"
    SPECIAL_PROTECTION = "special_protection"  # child labour, women and minors


VIOLATION_LABELS: Mapping[ViolationKind, str] = {
    ViolationKind.WAGE_ARREARS: "wage arrears (拖欠工资)",
    ViolationKind.SOCIAL_INSURANCE: "social insurance (社会保险)",
    ViolationKind.LABOR_CONTRACT: "labor contracts (劳动合同)",
    ViolationKind.WORKING_HOURS: "working hours (工时)",
    ViolationKind.SPECIAL_PROTECTION: "child labour, protection of women and minors "
                                      "(童工、女职工和未成年工特殊保护)",
}

# Penalty decisions carry the violation as text; these words (simplified and traditional) sort it.
VIOLATION_KEYWORDS: Mapping[ViolationKind, tuple[str, ...]] = {
    ViolationKind.WAGE_ARREARS: ("工资", "工資", "欠薪", "劳动报酬", "勞動報酬", "wage"),
    ViolationKind.SOCIAL_INSURANCE: ("社会保险", "社會保險", "社保", "参保", "參保",
                                     "social insurance"),
    ViolationKind.LABOR_CONTRACT: ("劳动合同", "勞動合同", "labor contract", "labour contract"),
    ViolationKind.WORKING_HOURS: ("工时", "工時", "加班", "工作时间", "工作時間", "working hours",
                                  "overtime"),
    ViolationKind.SPECIAL_PROTECTION: ("童工", "未成年工", "女职工", "女職工", "child labo"),
}
# The crime of refusing to pay labor remuneration and mass incidents aggravate any violation.
AGGRAVATING_KEYWORDS = ("拒不支付劳动报酬", "拒不支付勞動報酬", "群体性", "群體性",
                        "refusal to pay labor remuneration", "mass incident")


def classify(violation: str) -> frozenset[ViolationKind]:
    """The checklist categories a violation's wording names (several for a combined decision)."""
    text = violation.lower()
    return frozenset(kind for kind, words in VIOLATION_KEYWORDS.items()
                     if any(word in text for word in words))


@dataclass(frozen=True)
class Penalty:
    """A signed penalty decision (行政处罚决定书) against the employer, as the grade sees it."""

    decision_number: str
    decided_at: datetime
    violation: str
    fine_amount: Decimal
    worker_count: int
    arrears_amount: Decimal

    @cached_property
    def kinds(self) -> frozenset[ViolationKind]:
        """Classified once: six indicators ask (a recomputation asks for every employer)."""
        return classify(self.violation)


@dataclass(frozen=True)
class Conduct:
    """What the employer did, counted within the windows; None where no source reports it."""

    rectifications_overdue: int | None = None
    false_rectifications: int | None = None
    fines_unpaid: int | None = None
    inspections_obstructed: int | None = None
    violent_resistance: int | None = None
    penalties_refused: int | None = None
    complaints_recent: int | None = None
    dissatisfied_closings: int | None = None  # closing callbacks (执法回访) that found workers so


# Which conduct record feeds which count of the lookback window; complaints and dissatisfied
# closings count in the recent window.
CONDUCT_SOURCES: Mapping[str, ConductKind] = {
    "rectifications_overdue": ConductKind.RECTIFICATION_LAPSED,
    "false_rectifications": ConductKind.FALSE_RECTIFICATION,
    "fines_unpaid": ConductKind.FINE_OVERDUE,
    "inspections_obstructed": ConductKind.INSPECTION_OBSTRUCTED,
    "violent_resistance": ConductKind.VIOLENT_RESISTANCE,
    "penalties_refused": ConductKind.COURT_ENFORCEMENT,
}


def conduct_of(reports: Iterable[Report], *, as_of: datetime,
               policy: GradingPolicy) -> Conduct:
    """R-CRD-2: count the employer's conduct records as of `as_of`; every count is assessed
    (0 when nothing was reported), since every source is connected."""
    lookback = as_of - timedelta(days=policy.lookback_days)
    recent = as_of - timedelta(days=policy.recent_days)
    counts: Counter[str] = Counter()
    for report in reports:
        if not lookback < report.occurred_at <= as_of:
            continue
        in_recent = report.occurred_at > recent
        if report.kind == ConductKind.COMPLAINT:
            counts["complaints_recent"] += in_recent
        elif report.kind == ConductKind.CASE_CLOSED:
            counts["dissatisfied_closings"] += in_recent and report.detail == Satisfaction.DISSATISFIED
        else:
            counts[report.kind] += 1
    return Conduct(**{field: counts[kind.value] for field, kind in CONDUCT_SOURCES.items()},
                   complaints_recent=counts["complaints_recent"],
                   dissatisfied_closings=counts["dissatisfied_closings"])


@dataclass(frozen=True)
class Profile:
    """Everything the grade is computed from, as of one moment."""

    as_of: datetime
    penalties: tuple[Penalty, ...] = ()
    conduct: Conduct = field(default_factory=Conduct)
    _windows: dict[int, list[Penalty]] = field(default_factory=dict, init=False, repr=False,
                                               compare=False)

    def since(self, days: int) -> list[Penalty]:
        """The decisions of the last `days` days; each window filtered once (13 indicators ask,
        and a recomputation asks for every employer of the city)."""
        if days not in self._windows:
            start = self.as_of - timedelta(days=days)
            self._windows[days] = [p for p in self.penalties if p.decided_at > start]
        return self._windows[days]


@dataclass(frozen=True)
class Finding:
    """How much of an indicator's weight the record costs (0 to 1), and why."""

    severity: Decimal
    reason: str


@dataclass(frozen=True)
class GradingPolicy:
    """The configurable side of R-CRD-2: weights, boundaries, windows and amount tiers (settings
    give them: `CreditSettings.grading_policy`)."""

    weights: Mapping[str, int]
    scale: GradeScale
    recent_days: int
    lookback_days: int
    cases_for_full_weight: int
    fine_tiers: tuple[tuple[Decimal, Decimal], ...]
    large_fine_yuan: Decimal
    serious_arrears_yuan: Decimal
    immediate_workers: int
    major_workers: int
    major_arrears_yuan: Decimal
    complaints_for_full_weight: int

    def __post_init__(self) -> None:
        unknown = sorted(set(self.weights) - set(INDICATORS_BY_CODE))
        if unknown:
            raise ValueError(f"unknown indicators in weights: {', '.join(unknown)}; "
                             f"known: {', '.join(INDICATORS_BY_CODE)}")
        negative = sorted(code for code, weight in self.weights.items() if weight < 0)
        if negative:
            raise ValueError(f"weights must not be negative: {', '.join(negative)}")
        if not 0 < self.recent_days <= self.lookback_days:
            raise ValueError("need 0 < recent_days <= lookback_days")
        floors = [floor for floor, _ in self.fine_tiers]
        if floors != sorted(floors, reverse=True) or any(not ZERO <= share <= ONE
                                                          for _, share in self.fine_tiers):
            raise ValueError("fine tiers go from the highest amount down, shares between 0 and 1")

    def weight(self, indicator: Indicator) -> int:
        """The configured weight, or the indicator's default when configuration leaves it out."""
        return self.weights.get(indicator.code, indicator.default_weight)


Measure = Callable[[Profile, GradingPolicy], Finding | None]


@dataclass(frozen=True)
class Indicator:
    code: str
    item: Item
    label: str
    default_weight: int
    measure: Measure


@dataclass(frozen=True)
class Deduction:
    """One line of the explanation: which indicator cost how many points, and why."""

    indicator: str
    item: str
    label: str
    weight: int
    points_lost: int
    reason: str


@dataclass(frozen=True)
class GradeResult:
    score: int
    grade: Grade
    deductions: tuple[Deduction, ...]
    not_assessed: tuple[str, ...] = ()


def grade(profile: Profile, policy: GradingPolicy) -> GradeResult:
    """R-CRD-2: 100 minus what each indicator costs, floored at 0, then the grade of that score."""
    deductions: list[Deduction] = []
    not_assessed: list[str] = []
    for indicator in INDICATORS:
        finding = indicator.measure(profile, policy)
        if finding is None:
            not_assessed.append(indicator.code)
            continue
        if not finding.severity:
            continue  # costs nothing, whatever its weight
        weight = policy.weight(indicator)
        points = int((weight * finding.severity).quantize(ONE, rounding=ROUND_HALF_UP))
        if points > 0:
            deductions.append(Deduction(indicator.code, indicator.item.value, indicator.label,
                                        weight, points, finding.reason))
    score = max(0, BASE_SCORE - sum(d.points_lost for d in deductions))
    return GradeResult(score, policy.scale.grade(score), tuple(deductions), tuple(not_assessed))


# --- the 20 indicators ---------------------------------------------------------------------------

def _share(count: int, full_at: int) -> Decimal:
    """`count` of `full_at` occurrences, at most the whole weight."""
    if count <= 0:
        return ZERO
    return min(Decimal(count) / Decimal(max(full_at, 1)), ONE)


def _numbers(penalties: list[Penalty]) -> str:
    shown = ", ".join(p.decision_number for p in penalties[:5])
    return shown + (f" and {len(penalties) - 5} more" if len(penalties) > 5 else "")


def _cases_recent(profile: Profile, policy: GradingPolicy) -> Finding:
    recent = profile.since(policy.recent_days)
    return Finding(_share(len(recent), policy.cases_for_full_weight),
                   f"{len(recent)} penalty decision(s) in the last {policy.recent_days} days "
                   f"({_numbers(recent)}); {policy.cases_for_full_weight} or more cost the "
                   "whole weight")


def _cases_earlier(profile: Profile, policy: GradingPolicy) -> Finding:
    recent_start = profile.as_of - timedelta(days=policy.recent_days)
    earlier = [p for p in profile.since(policy.lookback_days) if p.decided_at <= recent_start]
    return Finding(_share(len(earlier), policy.cases_for_full_weight),
                   f"{len(earlier)} penalty decision(s) {policy.recent_days}–"
                   f"{policy.lookback_days} days ago ({_numbers(earlier)})")


def _cases_repeat(profile: Profile, policy: GradingPolicy) -> Finding:
    counts = Counter(kind for p in profile.since(policy.lookback_days) for kind in p.kinds)
    repeated = sorted(kind for kind, n in counts.items() if n >= 2)
    described = "; ".join(f"{VIOLATION_LABELS[k]} {counts[k]} times" for k in repeated)
    return Finding(ONE if repeated else ZERO,
                   f"the same violation penalised again within {policy.lookback_days} days: "
                   f"{described}")


def _nature(kind: ViolationKind) -> Measure:
    def measure(profile: Profile, policy: GradingPolicy) -> Finding:
        hits = [p for p in profile.since(policy.lookback_days) if kind in p.kinds]
        return Finding(ONE if hits else ZERO,
                       f"penalised for {VIOLATION_LABELS[kind]} within {policy.lookback_days} "
                       f"days ({_numbers(hits)})")
    return measure


def _aggravating(profile: Profile, policy: GradingPolicy) -> Finding:
    reasons = []
    for p in profile.since(policy.lookback_days):
        text = p.violation.lower()
        if any(word in text for word in AGGRAVATING_KEYWORDS):
            reasons.append(f"{p.decision_number}: suspected crime of refusing to pay or mass "
                           "incident")
        elif p.worker_count >= policy.major_workers:
            reasons.append(f"{p.decision_number}: {p.worker_count} workers affected "
                           f"(major case from {policy.major_workers})")
        elif p.arrears_amount >= policy.major_arrears_yuan:
            reasons.append(f"{p.decision_number}: arrears of {p.arrears_amount} yuan "
                           f"(major case from {policy.major_arrears_yuan})")
    return Finding(ONE if reasons else ZERO, "aggravated violation: " + "; ".join(reasons))


def _fines_total(profile: Profile, policy: GradingPolicy) -> Finding:
    total = sum((p.fine_amount for p in profile.since(policy.lookback_days)), ZERO)
    share = next((s for floor, s in policy.fine_tiers if total > 0 and total >= floor), ZERO)
    return Finding(share, f"fines of {total} yuan within {policy.lookback_days} days "
                          f"cost {share:.0%} of the weight")


def _largest_fine(profile: Profile, policy: GradingPolicy) -> Finding:
    fines = [p.fine_amount for p in profile.since(policy.lookback_days)]
    largest = max(fines, default=ZERO)
    return Finding(ONE if largest >= policy.large_fine_yuan else ZERO,
                   f"a single fine of {largest} yuan (from {policy.large_fine_yuan} yuan the "
                   "penalty needed prior notice, R-CASE-5)")


def _arrears(profile: Profile, policy: GradingPolicy) -> Finding:
    total = sum((p.arrears_amount for p in profile.since(policy.lookback_days)), ZERO)
    share = ONE if total >= policy.serious_arrears_yuan else Decimal("0.5") if total > 0 else ZERO
    return Finding(share, f"wage arrears of {total} yuan found by penalised cases within "
                          f"{policy.lookback_days} days (whole weight from "
                          f"{policy.serious_arrears_yuan} yuan)")


def _conduct(attribute: str, what: str) -> Measure:
    """A conduct indicator: one reported occurrence costs its whole weight."""
    def measure(profile: Profile, policy: GradingPolicy) -> Finding | None:
        count: int | None = getattr(profile.conduct, attribute)
        if count is None:
            return None
        return Finding(_share(count, 1),
                       f"{what}: {count} time(s) within {policy.lookback_days} days")
    return measure


def _complaints(profile: Profile, policy: GradingPolicy) -> Finding | None:
    """Worker complaints and closing callbacks that found the workers dissatisfied: each is one
    worker voice against the employer."""
    complaints = profile.conduct.complaints_recent
    dissatisfied = profile.conduct.dissatisfied_closings
    if complaints is None and dissatisfied is None:
        return None
    count = (complaints or 0) + (dissatisfied or 0)
    return Finding(_share(count, policy.complaints_for_full_weight),
                   f"{complaints or 0} worker complaint(s) and {dissatisfied or 0} closing "
                   f"callback(s) with the workers dissatisfied in the last {policy.recent_days} "
                   f"days; {policy.complaints_for_full_weight} or more together cost the whole "
                   "weight")


def _workers_affected(profile: Profile, policy: GradingPolicy) -> Finding:
    workers = sum(p.worker_count for p in profile.since(policy.lookback_days))
    share = (ONE if workers >= policy.major_workers else
             Decimal("0.5") if workers >= policy.immediate_workers else
             Decimal("0.25") if workers > 0 else ZERO)
    return Finding(share, f"{workers} worker(s) harmed by penalised violations within "
                          f"{policy.lookback_days} days")


INDICATORS: tuple[Indicator, ...] = (
    Indicator("cases.recent", Item.CASES, "recent penalty decisions (近期立案次数)", 10,
              _cases_recent),
    Indicator("cases.earlier", Item.CASES, "earlier penalty decisions (往期立案次数)", 4,
              _cases_earlier),
    Indicator("cases.repeat", Item.CASES, "repeated violation (重复违法)", 6, _cases_repeat),
    Indicator("nature.wage_arrears", Item.NATURE, VIOLATION_LABELS[ViolationKind.WAGE_ARREARS], 8,
              _nature(ViolationKind.WAGE_ARREARS)),
    Indicator("nature.social_insurance", Item.NATURE,
              VIOLATION_LABELS[ViolationKind.SOCIAL_INSURANCE], 3,
              _nature(ViolationKind.SOCIAL_INSURANCE)),
    Indicator("nature.labor_contract", Item.NATURE, VIOLATION_LABELS[ViolationKind.LABOR_CONTRACT],
              2, _nature(ViolationKind.LABOR_CONTRACT)),
    Indicator("nature.working_hours", Item.NATURE, VIOLATION_LABELS[ViolationKind.WORKING_HOURS],
              2, _nature(ViolationKind.WORKING_HOURS)),
    Indicator("nature.special_protection", Item.NATURE,
              VIOLATION_LABELS[ViolationKind.SPECIAL_PROTECTION], 5,
              _nature(ViolationKind.SPECIAL_PROTECTION)),
    Indicator("nature.aggravating", Item.NATURE,
              "crime of refusing to pay, mass incident or major case (情节严重)", 5, _aggravating),
    Indicator("amounts.fines_total", Item.AMOUNTS, "total of fines (罚款总额)", 7, _fines_total),
    Indicator("amounts.largest_fine", Item.AMOUNTS, "largest single fine (单笔罚款)", 3,
              _largest_fine),
    Indicator("amounts.arrears", Item.AMOUNTS, "wage arrears amount (欠薪金额)", 5, _arrears),
    Indicator("rectification.overdue", Item.RECTIFICATION,
              "rectification not done by the deadline (逾期未整改)", 6,
              _conduct("rectifications_overdue", "rectification orders not carried out in time")),
    Indicator("rectification.false", Item.RECTIFICATION, "false rectification (虚假整改)", 6,
              _conduct("false_rectifications", "rectification reported but found false")),
    Indicator("rectification.fine_unpaid", Item.RECTIFICATION,
              "fine unpaid after the due date (逾期未缴罚款)", 3,
              _conduct("fines_unpaid", "fines unpaid after their due date")),
    Indicator("cooperation.obstruction", Item.COOPERATION,
              "refused or obstructed inspection (拒绝、阻挠检查)", 6,
              _conduct("inspections_obstructed", "inspections refused or obstructed")),
    Indicator("cooperation.violent_resistance", Item.COOPERATION,
              "violent resistance to enforcement (暴力抗拒执法)", 5,
              _conduct("violent_resistance", "violent resistance to enforcement")),
    Indicator("cooperation.penalty_refused", Item.COOPERATION,
              "refused to carry out a penalty decision (拒不执行处罚决定)", 4,
              _conduct("penalties_refused", "penalty decisions not carried out")),
    Indicator("satisfaction.complaints", Item.SATISFACTION, "worker complaints (职工投诉)", 6,
              _complaints),
    Indicator("satisfaction.workers_affected", Item.SATISFACTION,
              "workers harmed (受侵害职工人数)", 4, _workers_affected),
)

INDICATORS_BY_CODE: Mapping[str, Indicator] = {i.code: i for i in INDICATORS}
DEFAULT_WEIGHTS: Mapping[str, int] = {i.code: i.default_weight for i in INDICATORS}
