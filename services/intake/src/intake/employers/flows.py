"""Employer use cases: match a complaint's employer, release totals when complaints are answered,
follow credit's register."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from labor_contracts.credit import EmployerRegisterChanged
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from intake.complaints.models import complaints
from intake.complaints.rules import ComplaintStatus
from intake.employers.models import employers
from intake.employers.rules import (
    address_key,
    complaint_district,
    employer_key,
    normalized,
    register_is_newer,
)
from intake.employers.schemas import EmployerView, ProjectTotals
from intake.grids.models import grids
from intake.privacy.flows import readable_names
from intake.privacy.rules import mask_optional

OPEN_STATUSES = (ComplaintStatus.RECEIVED, ComplaintStatus.ASSIGNED)


@dataclass(frozen=True)
class Match:
    id: str
    name_key: str
    address_key: str
    grid: str | None = None  # R-ORG-1 the employer's one grid, once known
    register_district: str | None = None  # its district in credit's register, once registered


# One statement for both ways of matching (it was two for every new employer): the credit code's
# employer first, else the one at the same normalized name and address.
_match = (
    sa.select(employers.c.id, employers.c.grid, employers.c.district, employers.c.register_version)
    .where(sa.or_(
        employers.c.credit_code == sa.bindparam("code"),
        sa.and_(employers.c.name_key == sa.bindparam("name_key"),
                employers.c.address_key == sa.bindparam("address_key"),
                sa.or_(sa.bindparam("code", type_=sa.Text).is_(None),
                       employers.c.credit_code.is_(None)))))
    .order_by((employers.c.credit_code == sa.bindparam("code")).desc().nulls_last(),
              employers.c.credit_code.is_(None), employers.c.first_seen_at)
    .limit(1))


async def match(conn: AsyncConnection | AsyncSession, *, credit_code: str | None, name: str,
                address: str | None) -> Match:
    """R-INT-6: the employer with this credit code; else one with the same normalized name and
    address (preferring one whose code is known, or adopting a code-less one when a code comes)."""
    name_key, address_digest = normalized(name), address_key(address)
    found = (await conn.execute(_match, {"code": credit_code or None, "name_key": name_key,
                                         "address_key": address_digest})).first()
    if found is None:
        return Match(employer_key(credit_code, name_key, address_digest), name_key, address_digest)
    registered = found.register_version is not None
    return Match(found.id, name_key, address_digest, grid=found.grid,
                 register_district=found.district if registered else None)


# Upsert of the matched employer for the accept statement: counts the complaint once, under the
# row lock, so concurrent complaints against one employer add up.
UPSERT_CTE = """
    employer AS (
        INSERT INTO employers AS e (
            id, credit_code, name, address, name_key, address_key, district, complaint_count,
            open_complaints, open_worker_count, open_arrears_amount, first_seen_at, updated_at)
        SELECT :employer_id, :employer_credit_code, :employer_name, :employer_address,
               :employer_name_key, :employer_address_key, :district, 1, 1, :worker_count,
               :arrears_amount, :now, :now
        FROM complaint WHERE CAST(:link_employer AS boolean)
        ON CONFLICT (id) DO UPDATE SET
            complaint_count = e.complaint_count + 1,
            open_complaints = e.open_complaints + 1,
            open_worker_count = e.open_worker_count + EXCLUDED.open_worker_count,
            open_arrears_amount = e.open_arrears_amount + EXCLUDED.open_arrears_amount,
            credit_code = COALESCE(e.credit_code, EXCLUDED.credit_code),
            address = COALESCE(e.address, EXCLUDED.address),
            district = COALESCE(e.district, EXCLUDED.district),
            updated_at = EXCLUDED.updated_at
        RETURNING e.open_complaints, e.open_worker_count, e.open_arrears_amount
    )"""

# The accepted event's body with the linked totals set (R-INT-6): JSON built by the producer,
# completed by the statement that computed the totals.
EVENT_BODY_WITH_TOTALS = """CASE WHEN employer.open_complaints IS NULL THEN :body
    ELSE convert_to(CAST(jsonb_set(jsonb_set(jsonb_set(
        CAST(convert_from(:body, 'UTF8') AS jsonb),
        '{data,linked_complaints}', to_jsonb(employer.open_complaints)),
        '{data,total_worker_count}', to_jsonb(employer.open_worker_count)),
        '{data,total_arrears_amount}', to_jsonb(CAST(employer.open_arrears_amount AS text)))
    AS text), 'UTF8') END"""
EVENT_FROM = "complaint LEFT JOIN employer ON true"


async def match_employer(runtime: Runtime, *, credit_code: str | None, name: str,
                         address: str | None) -> Match:
    async with runtime.reader.connect() as conn:
        return await match(conn, credit_code=credit_code, name=name, address=address)


def accept_params(found: Match, *, link: bool) -> dict[str, object]:
    """Bind parameters of `UPSERT_CTE` besides the complaint's own."""
    return {"employer_id": found.id, "employer_name_key": found.name_key,
            "employer_address_key": found.address_key, "link_employer": link}


async def link(session: AsyncSession, row: sa.Row, now: datetime,  # type: ignore[type-arg]
               *, address: str | None) -> dict[str, Any]:
    """A complaint accepted after its materials came (R-INT-2): count it against its employer now;
    returns the accepted event's R-INT-6 fields, and its district and grid (R-ORG-1). `address`:
    the employer's address as filed, matched as `accept` matches it (the row holds it masked)."""
    found = await match(session, credit_code=row.employer_credit_code, name=row.employer_name,
                        address=address)
    insert = pg.insert(employers).values(
        id=found.id, credit_code=row.employer_credit_code, name=row.employer_name,
        address=row.employer_address, name_key=found.name_key, address_key=found.address_key,
        district=row.district, complaint_count=1, open_complaints=1,
        open_worker_count=row.worker_count, open_arrears_amount=row.arrears_amount,
        first_seen_at=now, updated_at=now)
    e = employers.c
    statement = insert.on_conflict_do_update(index_elements=[e.id], set_={
        "complaint_count": e.complaint_count + 1, "open_complaints": e.open_complaints + 1,
        "open_worker_count": e.open_worker_count + insert.excluded.open_worker_count,
        "open_arrears_amount": e.open_arrears_amount + insert.excluded.open_arrears_amount,
        "credit_code": sa.func.coalesce(e.credit_code, insert.excluded.credit_code),
        "updated_at": now,
    }).returning(e.open_complaints, e.open_worker_count, e.open_arrears_amount)
    totals = (await session.execute(statement)).one()
    district = complaint_district(found.register_district, row.district)  # R-ORG-1
    await session.execute(complaints.update().where(complaints.c.id == row.id)
                          .values(employer_id=found.id, district=district))
    return {"employer_id": found.id, "linked_complaints": totals.open_complaints,
            "total_worker_count": totals.open_worker_count,
            "total_arrears_amount": totals.open_arrears_amount, "district": district,
            "grid": found.grid}


# What answering complaints takes off their employers' open totals, one employer per row.
_release = employers.update().where(employers.c.id == sa.bindparam("employer")).values(
    open_complaints=sa.func.greatest(employers.c.open_complaints - sa.bindparam("n"), 0),
    open_worker_count=sa.func.greatest(employers.c.open_worker_count - sa.bindparam("workers"), 0),
    open_arrears_amount=sa.func.greatest(
        employers.c.open_arrears_amount - sa.bindparam("amount", type_=sa.Numeric(14, 2)), 0))
RELEASE_COLUMNS = (complaints.c.employer_id, complaints.c.status, complaints.c.worker_count,
                   complaints.c.arrears_amount)


async def release(session: AsyncSession, answered: list[sa.Row[Any]]) -> None:
    """Complaints answered (registered or not), read with `RELEASE_COLUMNS` and locked before
    their status changes: they no longer add to their employer's open totals (R-INT-6).
    Complaints already answered are not counted twice."""
    totals: dict[str, dict[str, Any]] = {}
    for row in answered:
        if row.employer_id is not None and row.status in OPEN_STATUSES:
            total = totals.setdefault(row.employer_id, {"employer": row.employer_id, "n": 0,
                                                        "workers": 0, "amount": 0})
            total["n"] += 1
            total["workers"] += row.worker_count
            total["amount"] += row.arrears_amount
    if totals:
        await session.execute(_release, list(totals.values()))


async def read(runtime: Runtime, staff: Principal, employer_id: str) -> EmployerView:
    """Totals are business data; the list of linked complaints is limited to the staff's district."""
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(
            sa.select(employers, grids.c.name.label("grid_name"),
                      grids.c.workers.label("grid_workers"))
            .select_from(employers.outerjoin(grids, grids.c.code == employers.c.grid))
            .where(employers.c.id == employer_id))).first()
        if row is None:
            raise Problem(404, "not-found", "No such employer")
        linked = sa.select(complaints.c.id, complaints.c.project, complaints.c.status,
                           complaints.c.worker_count, complaints.c.arrears_amount,
                           complaints.c.district, complaints.c.complainant_name_enc,
                           ).where(complaints.c.employer_id == employer_id)
        if not staff.city_wide:
            linked = linked.where(complaints.c.district == staff.district)
        rows = (await conn.execute(linked.order_by(complaints.c.received_at))).all()
    # R-INT-7: free text as the workers typed it, masked for every linked complainant's name
    names = [name for r in rows for name in readable_names(runtime.cipher, r)]
    projects: dict[str, ProjectTotals] = {}
    for r in rows:
        project = mask_optional(r.project, names=names)
        totals = projects.setdefault(project or "", ProjectTotals(project=project))
        totals.complaints += 1
        totals.worker_count += r.worker_count
        totals.arrears_amount += r.arrears_amount
        if r.status in OPEN_STATUSES:
            totals.open_complaints += 1
    return EmployerView(
        employer_id=row.id, credit_code=row.credit_code, name=row.name,
        address=mask_optional(row.address, names=names),  # the first complaint's
        grid=row.grid, grid_name=row.grid_name, grid_workers=row.grid_workers or [],
        district=row.district, register_version=row.register_version,
        complaint_count=row.complaint_count, open_complaints=row.open_complaints,
        open_worker_count=row.open_worker_count, open_arrears_amount=row.open_arrears_amount,
        complaint_ids=[r.id for r in rows], projects=list(projects.values()))


async def find(runtime: Runtime, *, credit_code: str | None, name: str | None,
               address: str | None) -> list[str]:
    if not credit_code and not name:
        raise Problem(422, "criteria-missing", "Name a credit code or an employer name")
    async with runtime.engine.connect() as conn:
        if credit_code:
            condition = employers.c.credit_code == credit_code
        else:
            condition = sa.and_(employers.c.name_key == normalized(name),
                                employers.c.address_key == address_key(address))
        return list((await conn.execute(sa.select(employers.c.id).where(condition)
                                        .limit(50))).scalars())


async def apply_register(session: AsyncSession, data: EmployerRegisterChanged,
                         now: datetime) -> str:
    """R-ORG-1, R-INT-6: a change of credit's register into the read model. The register's name,
    address, grid and district win over what complaints said (a null keeps what is known); a
    code-less row with the same normalised name and address adopts the code. Returns what it did:
    `created`, `adopted`, `updated`, or `stale` (not newer than the version applied)."""
    code = data.credit_code
    name_key, address_digest = normalized(data.name), address_key(data.address)
    for _ in range(2):
        row, outcome = await _register_row(session, code, name_key, address_digest)
        if row is not None:
            break
        created = await session.execute(pg.insert(employers).values(
            id=employer_key(code, name_key, address_digest), credit_code=code, name=data.name,
            address=data.address, name_key=name_key, address_key=address_digest, grid=data.grid,
            district=data.district, register_version=data.version,
            register_changed_at=data.changed_at, first_seen_at=now, updated_at=now,
        ).on_conflict_do_nothing().returning(employers.c.id))
        if created.first() is not None:
            return "created"
        # A complaint inserted the employer meanwhile (its transaction committed): update that.
    else:
        raise RuntimeError(f"employer {code} neither found nor inserted")
    if not register_is_newer(row.register_version, data.version):
        return "stale"
    address = data.address if data.address is not None else row.address
    await session.execute(employers.update().where(employers.c.id == row.id).values(
        credit_code=code, name=data.name, address=address, name_key=name_key,
        address_key=address_key(address), grid=data.grid or row.grid,
        district=data.district or row.district, register_version=data.version,
        register_changed_at=data.changed_at, updated_at=now))
    return outcome


async def _register_row(session: AsyncSession, code: str, name_key: str,
                        address_digest: str) -> tuple[sa.Row | None, str]:  # type: ignore[type-arg]
    """The row a register update applies to, locked: the one with the code, else a code-less one
    with the same normalised name and address (the oldest)."""
    columns = (employers.c.id, employers.c.address, employers.c.grid, employers.c.district,
               employers.c.register_version)
    row = (await session.execute(sa.select(*columns).where(employers.c.credit_code == code)
                                 .with_for_update())).first()
    if row is not None:
        return row, "updated"
    row = (await session.execute(
        sa.select(*columns).where(employers.c.credit_code.is_(None),
                                  employers.c.name_key == name_key,
                                  employers.c.address_key == address_digest)
        .order_by(employers.c.first_seen_at).limit(1).with_for_update())).first()
    return row, "adopted"
