"""Recording, withdrawing and reading delivery-address confirmations; every write and every read
of an address or an artefact is audited (the addresses reach people: an openid, a userid)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from labor_contracts.identifiers import new_id
from labor_runtime import audit
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal
from sqlalchemy.ext.asyncio import AsyncSession

from notify.addresses import rules
from notify.addresses.models import address_confirmations
from notify.addresses.schemas import ConfirmationIn, ConfirmationView, ConfirmedAddress
from notify.channels.base import Channel, ChannelName, ChannelUnusable
from notify.grids.queries import grid_of

_c = address_confirmations.c


def _within_reach(who: Principal) -> sa.ColumnElement[bool]:
    """Confirmations of the caller's district's parties; all for city-wide staff. One of no known
    district is city-wide business (issue 10, finding 4)."""
    return sa.true() if who.city_wide else _c.district == who.district


def _no_such_confirmation() -> Problem:
    return Problem(404, "not-found", "No such confirmation")


def _entry(who: Principal, at: Any, action: str, subject: str, reason: str = "") -> audit.AuditEntry:
    return audit.AuditEntry(at=at, actor=who.subject, role=",".join(sorted(who.roles)),
                            action=action, subject=subject, reason=reason)


def checked_addresses(body: ConfirmationIn,
                      channels: Mapping[ChannelName, Channel]) -> list[dict[str, str]]:
    """The addresses in the form each channel sends to; 422 naming every unusable one."""
    problems: list[str] = [f"{c}: named twice" for c in
                           rules.duplicate_channels(str(a.channel) for a in body.addresses)]
    checked: list[dict[str, str]] = []
    for item in body.addresses:
        try:
            checked.append({"channel": str(item.channel),
                            "address": channels[item.channel].check_address(item.address.strip())})
        except ChannelUnusable as exc:
            problems.append(f"{item.channel}: {exc}")
    if problems:
        raise Problem(422, "address-unusable", "An address cannot be served on", "; ".join(problems))
    return checked


async def record(runtime: Runtime, channels: Mapping[ChannelName, Channel], who: Principal,
                 body: ConfirmationIn) -> ConfirmationView:
    """Keep a signed confirmation; it replaces the party's confirmation in force. Deliveries
    opened from now on use it."""
    try:
        artefact = base64.b64decode(body.artefact_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Problem(422, "artefact-invalid", "The artefact is not base64", str(exc)) from exc
    problem = rules.artefact_problem(body.method, body.artefact_type, artefact)
    if problem is not None:
        raise Problem(422, "artefact-invalid", "The signed artefact cannot be kept", problem)
    addresses = checked_addresses(body, channels)
    async with runtime.uow() as uow:
        now = uow.clock.now()
        if body.signed_at > now:
            raise Problem(422, "signed-in-future", "The signing time is in the future",
                          f"signed_at {body.signed_at.isoformat()} is after now")
        # The party's district is its grid's (R-ORG-1); until credit says, the recorder's.
        grid = await grid_of(uow.session, body.credit_code)
        district = grid.district if grid is not None and grid.district else who.district
        if not who.reaches(district):
            raise Problem(404, "not-found", "No such party",
                          f"no party {body.credit_code} in your district")
        confirmation_id = new_id()
        replaced = (await uow.session.execute(
            address_confirmations.update()
            .where(_c.credit_code == body.credit_code, _c.withdrawn_at.is_(None))
            .values(withdrawn_at=now, withdrawn_by=who.subject,
                    withdrawal_reason=f"replaced by confirmation {confirmation_id}")
            .returning(_c.id))).scalars().all()
        await uow.session.execute(address_confirmations.insert().values(
            id=confirmation_id, credit_code=body.credit_code, party_name=body.party_name,
            signatory=body.signatory, signatory_capacity=str(body.signatory_capacity),
            addresses=addresses, method=str(body.method), artefact=artefact,
            artefact_type=body.artefact_type, artefact_sha256=hashlib.sha256(artefact).hexdigest(),
            signed_at=body.signed_at, recorded_by=who.subject, recorded_at=now, district=district))
        await audit.record(uow.session, _entry(
            who, now, "record_address_confirmation", f"address_confirmation:{confirmation_id}",
            f"{body.credit_code}: {', '.join(a['channel'] for a in addresses)}"
            + (f"; replaces {', '.join(replaced)}" if replaced else "")))
        view = await _fetch(uow.session, confirmation_id)
        await uow.commit()
    return view


async def withdraw(runtime: Runtime, who: Principal, confirmation_id: str,
                   reason: str) -> ConfirmationView:
    """The party withdrew its consent: deliveries opened from now on are served in person."""
    async with runtime.uow() as uow:
        now = uow.clock.now()
        changed = (await uow.session.execute(
            address_confirmations.update()
            .where(_c.id == confirmation_id, _c.withdrawn_at.is_(None), _within_reach(who))
            .values(withdrawn_at=now, withdrawn_by=who.subject, withdrawal_reason=reason)
            .returning(_c.id))).first()
        if changed is None:
            exists = (await uow.session.execute(sa.select(_c.id).where(
                _c.id == confirmation_id, _within_reach(who)))).first()
            if exists is None:
                raise _no_such_confirmation()
            raise Problem(409, "already-withdrawn", "The confirmation is no longer in force")
        await audit.record(uow.session, _entry(
            who, now, "withdraw_address_confirmation", f"address_confirmation:{confirmation_id}",
            reason))
        view = await _fetch(uow.session, confirmation_id)
        await uow.commit()
    return view


def _view(row: sa.Row[Any]) -> ConfirmationView:
    return ConfirmationView(
        id=row.id, credit_code=row.credit_code, party_name=row.party_name, signatory=row.signatory,
        signatory_capacity=row.signatory_capacity,
        addresses=[ConfirmedAddress(**a) for a in row.addresses], method=row.method,
        artefact_type=row.artefact_type, artefact_sha256=row.artefact_sha256,
        signed_at=row.signed_at, recorded_by=row.recorded_by, recorded_at=row.recorded_at,
        in_force=row.withdrawn_at is None, withdrawn_at=row.withdrawn_at,
        withdrawal_reason=row.withdrawal_reason)


_VIEW = [c for c in address_confirmations.c if c.name != "artefact"]


async def _fetch(session: AsyncSession, confirmation_id: str,
                 who: Principal | None = None) -> ConfirmationView:
    """The confirmation; 404 when there is none or, for `who`, it is beyond their reach."""
    statement = sa.select(*_VIEW).where(_c.id == confirmation_id)
    if who is not None:
        statement = statement.where(_within_reach(who))
    row = (await session.execute(statement)).first()
    if row is None:
        raise _no_such_confirmation()
    return _view(row)


async def read(runtime: Runtime, who: Principal, confirmation_id: str) -> ConfirmationView:
    async with runtime.uow() as uow:
        view = await _fetch(uow.session, confirmation_id, who)
        await audit.record(uow.session, _entry(who, uow.clock.now(), "read_address_confirmation",
                                               f"address_confirmation:{confirmation_id}"))
        await uow.commit()
    return view


async def of_party(runtime: Runtime, who: Principal, credit_code: str) -> list[ConfirmationView]:
    """The party's confirmations, the one in force first, then newest first."""
    async with runtime.uow() as uow:
        rows = (await uow.session.execute(
            sa.select(*_VIEW).where(_c.credit_code == credit_code, _within_reach(who))
            .order_by(_c.withdrawn_at.is_not(None), _c.recorded_at.desc()))).all()
        await audit.record(uow.session, _entry(who, uow.clock.now(), "read_address_confirmations",
                                               f"employer:{credit_code}"))
        await uow.commit()
    return [_view(r) for r in rows]


async def artefact(runtime: Runtime, who: Principal, confirmation_id: str) -> tuple[bytes, str]:
    """The signed artefact exactly as recorded, and its content type."""
    async with runtime.uow() as uow:
        row = (await uow.session.execute(sa.select(_c.artefact, _c.artefact_type).where(
            _c.id == confirmation_id, _within_reach(who)))).first()
        if row is None:
            raise _no_such_confirmation()
        await audit.record(uow.session, _entry(who, uow.clock.now(), "read_confirmation_artefact",
                                               f"address_confirmation:{confirmation_id}"))
        await uow.commit()
    return bytes(row.artefact), row.artefact_type


async def in_force(session: AsyncSession, credit_code: str | None) -> tuple[str, dict[str, str]] | None:
    """The party's confirmation in force: its id and the confirmed address by channel."""
    if credit_code is None:
        return None
    row = (await session.execute(sa.select(_c.id, _c.addresses).where(
        _c.credit_code == credit_code, _c.withdrawn_at.is_(None)))).first()
    if row is None:
        return None
    return row.id, {a["channel"]: a["address"] for a in row.addresses}
