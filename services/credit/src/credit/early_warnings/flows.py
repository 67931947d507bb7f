"""Early-warning use cases (R-CRD-3): the evaluator that re-evaluates the employers whose shared
data changed, and the staff's reads of the warnings."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from labor_contracts.credit import WageWarningCleared, WageWarningRaised
from labor_contracts.identifiers import new_id
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.security import Principal
from labor_runtime.tracing import continued
from labor_runtime.workers import Loop
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from credit.early_warnings import rules
from credit.early_warnings.models import wage_warnings
from credit.early_warnings.schemas import WarningRead
from credit.employers import history
from credit.employers.flows import valid_credit_code
from credit.employers.models import employers
from credit.ingestion.models import (
    evaluations_due,
    insurance_months,
    judgment_debtors,
    payroll_months,
)
from credit.settings import CreditRuntime, CreditSettings

SYSTEM = "system:early_warnings"


def policy(settings: CreditSettings) -> rules.Policy:
    return rules.Policy(balance_ratio=settings.warning_balance_ratio,
                        uninsured_months=settings.warning_uninsured_months)


async def evaluate_due(runtime: CreditRuntime, *, limit: int) -> int:
    """Claim up to `limit` queued employers, evaluate them (and only them), record what was raised
    and cleared and dequeue them, in one transaction; returns how many were claimed. A claim other
    evaluators hold is skipped (`SKIP LOCKED`). What an employer's evaluation announces continues
    the trace of the batch that queued it."""
    async with runtime.uow() as uow:
        claimed = (await uow.session.execute(
            sa.select(evaluations_due.c.credit_code, evaluations_due.c.queued_at,
                      evaluations_due.c.traceparent)
            .order_by(evaluations_due.c.queued_at).limit(limit)
            .with_for_update(skip_locked=True))).all()
        if not claimed:
            return 0
        codes = [row.credit_code for row in claimed]
        now = runtime.clock.now()
        shared = await _shared_data(uow.session, codes)
        open_by_code: dict[str, list[sa.Row[Any]]] = defaultdict(list)
        for row in (await uow.session.execute(sa.select(wage_warnings).where(
                wage_warnings.c.credit_code.in_(codes), wage_warnings.c.cleared_at.is_(None)))):
            open_by_code[row.credit_code].append(row)
        names = {row.credit_code: row for row in (await uow.session.execute(
            sa.select(employers.c.credit_code, employers.c.name, employers.c.district,
                      employers.c.grid).where(employers.c.credit_code.in_(codes))))}
        thresholds = policy(runtime.settings)
        holding = {code: rules.evaluate(shared[code], thresholds) for code in codes}
        causes = {row.credit_code: row.traceparent for row in claimed}
        raised = await _raise(uow, holding, open_by_code, now)
        for code in codes:
            with continued(runtime.tracer, causes[code], f"early warnings of {code}"):
                await _announce(uow, code, raised.get(code, []), names.get(code), now)
                await _clear(uow, code, holding[code], open_by_code[code], now)
        # Dequeue what was claimed; an employer queued again meanwhile (newer `queued_at`) stays.
        await uow.session.execute(evaluations_due.delete().where(
            sa.tuple_(evaluations_due.c.credit_code, evaluations_due.c.queued_at).in_(
                [(row.credit_code, row.queued_at) for row in claimed])))
        await uow.commit()
    return len(claimed)


async def _shared_data(session: AsyncSession, codes: list[str]) -> dict[str, rules.SharedData]:
    payroll: dict[str, list[rules.AccountMonth]] = defaultdict(list)
    insurance: dict[str, list[rules.InsuranceMonth]] = defaultdict(list)
    debtors: dict[str, list[rules.DebtorEntry]] = defaultdict(list)
    for r in await session.execute(sa.select(payroll_months).where(
            payroll_months.c.credit_code.in_(codes))):
        payroll[r.credit_code].append(rules.AccountMonth(
            r.account, r.month, r.balance, r.wages_payable, r.batch_id))
    for r in await session.execute(sa.select(insurance_months).where(
            insurance_months.c.credit_code.in_(codes))):
        insurance[r.credit_code].append(rules.InsuranceMonth(
            r.month, r.employees, r.insured, r.batch_id))
    for r in await session.execute(sa.select(judgment_debtors).where(
            judgment_debtors.c.credit_code.in_(codes))):
        debtors[r.credit_code].append(rules.DebtorEntry(
            r.court_case_number, r.court, r.amount, r.listed_on, r.removed_on, r.batch_id))
    return {code: rules.SharedData(tuple(payroll[code]), tuple(insurance[code]),
                                   tuple(debtors[code])) for code in codes}


async def _raise(uow: UnitOfWork, holding: dict[str, list[rules.Warning]],
                 open_by_code: dict[str, list[sa.Row[Any]]],
                 now: datetime) -> dict[str, list[tuple[str, rules.Warning]]]:
    """Insert the warnings not raised before for their cause and period (one statement for the
    batch; those open already are not even tried); returns the new ones with their ids, by
    employer, to `_announce`."""
    candidates = {(code, *w.key): w for code, found in holding.items() for w in found
                  if w.key not in {(r.cause, r.period) for r in open_by_code[code]}}
    if not candidates:
        return {}
    inserted = (await uow.session.execute(
        insert(wage_warnings).values([
            {"id": new_id(), "credit_code": code, "level": w.level.value, "cause": cause,
             "period": period, "evidence": list(w.evidence), "raised_at": now}
            for (code, cause, period), w in candidates.items()])
        .on_conflict_do_nothing(index_elements=["credit_code", "cause", "period"])
        .returning(wage_warnings.c.id, wage_warnings.c.credit_code, wage_warnings.c.cause,
                   wage_warnings.c.period))).all()
    raised: dict[str, list[tuple[str, rules.Warning]]] = defaultdict(list)
    for warning_id, code, cause, period in inserted:  # the others: raised before, once only
        raised[code].append((warning_id, candidates[(code, cause, period)]))
    return raised


async def _announce(uow: UnitOfWork, code: str, raised: list[tuple[str, rules.Warning]],
                    employer: Any, now: datetime) -> None:
    """Announce an employer's new warnings and put them on its history."""
    for warning_id, warning in raised:
        cause, period = warning.key
        await uow.emit(WageWarningRaised(
            warning_id=warning_id, credit_code=code,
            employer_name=employer.name if employer is not None else code,
            district=employer.district if employer is not None else None,
            grid=employer.grid if employer is not None else None,
            level=warning.level.value, cause=cause, period=period,
            evidence=list(warning.evidence), raised_at=now), subject=code)
        await history.record(
            uow.session, credit_code=code, kind=history.Kind.WARNING_RAISED, at=now,
            summary=f"{warning.level.value} warning ({cause}, {period}): {warning.evidence[0]}",
            source=SYSTEM, ref=warning_id,
            details={"level": warning.level.value, "cause": cause, "period": period,
                     "evidence": list(warning.evidence)})


async def _clear(uow: UnitOfWork, code: str, holding: list[rules.Warning],
                 open_rows: list[sa.Row[Any]], now: datetime) -> None:
    """Clear the open warnings whose cause no longer holds, and announce it."""
    ended = set(rules.ended(((r.cause, r.period) for r in open_rows), holding))
    for row in open_rows:
        if (row.cause, row.period) not in ended:
            continue
        reason = rules.CLEARED_BECAUSE[rules.Cause(row.cause)]
        await uow.session.execute(wage_warnings.update().where(wage_warnings.c.id == row.id)
                                  .values(cleared_at=now, cleared_reason=reason))
        await uow.emit(WageWarningCleared(
            warning_id=row.id, credit_code=code, level=row.level, cause=row.cause,
            period=row.period, reason=reason, cleared_at=now), subject=code)
        await history.record(
            uow.session, credit_code=code, kind=history.Kind.WARNING_CLEARED, at=now,
            summary=f"{row.level} warning ({row.cause}, {row.period}) cleared: {reason}",
            source=SYSTEM, ref=row.id)


class Evaluator(Loop):
    """Re-evaluates queued employers in batches; woken by commits that queue one
    (`created_work(session, evaluations_due)`), otherwise at the poll."""

    tables = frozenset({evaluations_due.name})
    follows_clock = False  # the data, not the date, raises and clears a warning

    def __init__(self, runtime: CreditRuntime) -> None:
        super().__init__(poll_seconds=runtime.settings.warning_poll_seconds)
        self.runtime = runtime
        self.batch_size: int = runtime.settings.warning_batch_size

    async def cycle(self) -> float | None:
        claimed = await evaluate_due(self.runtime, limit=self.batch_size)
        return 0.0 if claimed >= self.batch_size else None


def _scope(who: Principal, district: str | None) -> str | None:
    """Staff of a district see their district only (R-ORG-1)."""
    if who.city_wide:
        return district
    if district not in (None, who.district):
        raise Problem(403, "forbidden", "Another district's warnings",
                      f"you see the warnings of district {who.district} only")
    return who.district


_LISTED = sa.select(wage_warnings, employers.c.name.label("employer_name"),
                    employers.c.district, employers.c.grid).select_from(
    wage_warnings.outerjoin(employers, employers.c.credit_code == wage_warnings.c.credit_code))


async def listed(runtime: CreditRuntime, who: Principal, *, level: str | None,
                 active: bool | None, district: str | None, limit: int) -> list[WarningRead]:
    """Warnings newest first, filtered; a district's staff see their district's employers."""
    query = _LISTED
    scope = _scope(who, district)
    if scope is not None:
        query = query.where(employers.c.district == scope)
    if level is not None:
        query = query.where(wage_warnings.c.level == level)
    if active is not None:
        query = query.where(wage_warnings.c.cleared_at.is_(None) if active
                            else wage_warnings.c.cleared_at.is_not(None))
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(
            query.order_by(wage_warnings.c.raised_at.desc(), wage_warnings.c.id.desc())
            .limit(limit))).all()
    return [WarningRead.model_validate(row, from_attributes=True) for row in rows]


async def of_employer(runtime: CreditRuntime, who: Principal, raw_code: str) -> list[WarningRead]:
    """One employer's warnings, newest first; another district's employer is not found (404)."""
    code = valid_credit_code(raw_code)
    async with runtime.engine.connect() as conn:
        district = (await conn.execute(sa.select(employers.c.district).where(
            employers.c.credit_code == code))).first()
        if not who.city_wide and (district is None or not who.reaches(district[0])):
            raise Problem(404, "not-found", "Employer not found",
                          f"no employer {code} in district {who.district}")
        rows = (await conn.execute(_LISTED.where(wage_warnings.c.credit_code == code).order_by(
            wage_warnings.c.raised_at.desc(), wage_warnings.c.id.desc()))).all()
    return [WarningRead.model_validate(row, from_attributes=True) for row in rows]
