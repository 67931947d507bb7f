"""Joint punishments (联合惩戒) as the public reads them and as each partner acts on them, pure."""

from __future__ import annotations

from collections.abc import Sequence

from labor_contracts.credit import Punishment

# The measures of R-CRD-4 and R-MAJ-3 in the words of the public disclosure.
MEASURE_WORDS: dict[str, str] = {
    "no_government_funding": "限制申请政府资金支持",
    "no_bidding": "限制参与招标投标",
    "no_new_loans": "限制新增贷款",
    "high_consumption_restricted": "限制法定代表人高消费",
    "construction_market_ban": "禁止进入本地建筑市场",
}


def measure_words(measure: str) -> str:
    """A measure in words; an unknown one (a newer producer) as it came."""
    return MEASURE_WORDS.get(measure, measure)


def penalty_text(punishments: Sequence[Punishment]) -> str:
    """The punishments as the public reads them, each with its term."""
    return "；".join(f"{measure_words(p.measure)}（{p.starts_on.isoformat()}至"
                    f"{p.ends_on.isoformat()}）" for p in punishments) or "无"


def acted_on_by(punishments: Sequence[Punishment], agency: str) -> list[Punishment]:
    """R-CRD-4: a partner is told only the punishments its agency enforces."""
    return [p for p in punishments if agency in p.agencies]
