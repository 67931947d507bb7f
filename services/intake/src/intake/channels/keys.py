"""Channel key lifecycle (R-INT-1): issue, rotate with an overlap, revoke, list.

Data functions on the caller's session; the CLI owns the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from labor_runtime.security import issue_api_key, revoke_api_key
from labor_runtime.tables import api_keys
from sqlalchemy.ext.asyncio import AsyncSession

from intake.channels.rules import KNOWN_CHANNELS, channel_of

DEFAULT_SCOPES = ("complaints:write",)


class UnknownChannel(ValueError):
    """The client is not one of the R-INT-1 channels (and not mapped to one)."""


def _check(client: str, explicit: Mapping[str, str]) -> str:
    channel = channel_of(client, explicit)
    if channel is None:
        raise UnknownChannel(f"{client!r} is not a channel ({', '.join(sorted(KNOWN_CHANNELS))}) "
                             "and CHANNEL_CLIENTS does not map it to one")
    return channel


def _active(client: str, now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(api_keys.c.client == client, api_keys.c.kind == "channel",
                   api_keys.c.revoked_at.is_(None),
                   sa.or_(api_keys.c.expires_at.is_(None), api_keys.c.expires_at > now))


async def issue(session: AsyncSession, *, client: str, scopes: list[str] | None = None,
                explicit: Mapping[str, str] | None = None) -> str:
    """A new key of a known channel; returns the plaintext key (shown once)."""
    _check(client, explicit or {})
    return await issue_api_key(session, client=client, kind="channel",
                               scopes=list(scopes or DEFAULT_SCOPES))


async def rotate(session: AsyncSession, *, client: str, now: datetime, overlap: timedelta,
                 explicit: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Issue a new key with the scopes of the current ones; the current keys stay valid for
    `overlap` (so the channel can deploy the new key), then expire."""
    _check(client, explicit or {})
    current = (await session.execute(
        sa.select(api_keys.c.id, api_keys.c.scopes, api_keys.c.expires_at)
        .where(_active(client, now)).order_by(api_keys.c.created_at))).all()
    scopes = sorted({s for row in current for s in row.scopes}) or list(DEFAULT_SCOPES)
    key = await issue_api_key(session, client=client, kind="channel", scopes=scopes)
    until = now + overlap
    ids = [row.id for row in current]
    if ids:  # never extend a key that already expires sooner
        await session.execute(
            api_keys.update().where(api_keys.c.id.in_(ids),
                                    sa.or_(api_keys.c.expires_at.is_(None),
                                           api_keys.c.expires_at > until))
            .values(expires_at=until))
    return {"client": client, "key": key, "key_id": key.split("_", 2)[1], "scopes": scopes,
            "previous_keys": ids, "previous_expire_at": until.isoformat()}


async def revoke(session: AsyncSession, *, key_id: str, now: datetime) -> bool:
    return await revoke_api_key(session, key_id, now)


async def listing(session: AsyncSession, *, client: str | None = None) -> list[dict[str, Any]]:
    """Channel keys (never their secrets) with their state."""
    query = sa.select(api_keys.c.id, api_keys.c.client, api_keys.c.scopes, api_keys.c.created_at,
                      api_keys.c.expires_at, api_keys.c.revoked_at).where(
        api_keys.c.kind == "channel").order_by(api_keys.c.client, api_keys.c.created_at)
    if client is not None:
        query = query.where(api_keys.c.client == client)
    return [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row._mapping.items()}
            for row in (await session.execute(query)).all()]
