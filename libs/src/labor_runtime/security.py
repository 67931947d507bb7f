"""Who is calling: staff bearer tokens (JWT) with the roles of DOMAIN.md, API keys for channels
and partners (stored as SHA-256 of a high-entropy secret), and the route guards built on them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from labor_runtime.problems import Problem
from labor_runtime.tables import api_keys


class Role(StrEnum):
    COMPLAINANT = "complainant"
    GRID_WORKER = "grid_worker"
    OFFICER_A = "officer_a"
    REVIEWER_B = "reviewer_b"
    EXECUTOR_C = "executor_c"
    BRIGADE_CHIEF = "brigade_chief"
    DETACHMENT_CHIEF = "detachment_chief"
    PARTNER = "partner"
    PUBLIC = "public"
    OPS = "ops"


STAFF_ROLES = frozenset({Role.GRID_WORKER, Role.OFFICER_A, Role.REVIEWER_B, Role.EXECUTOR_C,
                         Role.BRIGADE_CHIEF, Role.DETACHMENT_CHIEF, Role.OPS})

# R-ORG: the city detachment (支队) works city-wide, the district brigades (大队) within their
# district. A token reaches the city only by saying so: the `district` claim `"city"`, or a role
# that is city-wide by definition. A missing claim never widens access.
CITY = "city"
CITY_WIDE_ROLES = frozenset({Role.DETACHMENT_CHIEF, Role.OPS})


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. Staff reach either one `district` or, with `city_wide`, the whole
    city; a staff principal with neither reaches nothing."""

    subject: str
    kind: str  # staff, channel or partner
    roles: frozenset[str] = field(default_factory=frozenset)
    district: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    name: str = ""
    city_wide: bool = False

    def has_any(self, roles: set[Role] | frozenset[Role]) -> bool:
        return bool(self.roles & {str(r) for r in roles})

    def reaches(self, district: str | None) -> bool:
        """Whether an object of `district` is within the caller's reach: everything for the
        city-wide, otherwise objects of its own district only."""
        return self.city_wide or (self.district is not None and district == self.district)


def unauthorized(detail: str) -> Problem:
    problem = Problem(401, "unauthorized", "Authentication required", detail)
    problem.headers["WWW-Authenticate"] = 'Bearer realm="labor-inspection"'
    return problem


class TokenVerifier:
    def __init__(self, key: str, algorithms: list[str], issuer: str, audience: str) -> None:
        self.key = key
        self.algorithms = algorithms
        self.issuer = issuer
        self.audience = audience

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(token, self.key, algorithms=self.algorithms, issuer=self.issuer,
                                audience=self.audience, options={"require": ["exp", "sub"]})
        except jwt.PyJWTError as exc:
            raise unauthorized(f"invalid bearer token: {exc}") from exc
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise unauthorized("token claim 'roles' must be a list of role names")
        district = claims.get("district")
        if district is not None and (not isinstance(district, str) or not district):
            raise unauthorized("token claim 'district' must be a district code or 'city'")
        city_wide = district == CITY or (district is None and bool(set(roles) & CITY_WIDE_ROLES))
        if district is None and not city_wide:
            raise Problem(403, "forbidden", "No district claim",
                          "a district brigade's role needs the token claim 'district' (a district "
                          f"code, or {CITY!r} for the city detachment); no claim is no reach")
        return Principal(subject=str(claims["sub"]), kind="staff", roles=frozenset(roles),
                         district=None if city_wide else district, city_wide=city_wide,
                         name=str(claims.get("name", "")))


def mint_token(key: str, *, subject: str, roles: list[str], district: str | None = None,
               name: str = "", issuer: str = "labor-inspection-idp",
               audience: str = "labor-inspection", ttl: timedelta = timedelta(hours=8),
               algorithm: str = "HS256") -> str:
    """Issue a staff token (development identity provider and tests). `district` is a district
    code or `CITY`; without it only the city-wide roles (`CITY_WIDE_ROLES`) are accepted."""
    now = int(time.time())
    claims: dict[str, Any] = {"sub": subject, "roles": roles, "iss": issuer, "aud": audience,
                              "iat": now, "exp": now + int(ttl.total_seconds()), "name": name}
    if district:
        claims["district"] = district
    return jwt.encode(claims, key, algorithm=algorithm)


# API keys -------------------------------------------------------------------------------------

KEY_PREFIX = "lk"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def issue_api_key(session: AsyncSession, *, client: str, kind: str, scopes: list[str],
                        expires_at: datetime | None = None) -> str:
    """Create a key; the plaintext is returned once and only its hash is stored."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    await session.execute(api_keys.insert().values(
        id=key_id, client=client, kind=kind, secret_sha256=_digest(secret), scopes=scopes,
        expires_at=expires_at))
    return f"{KEY_PREFIX}_{key_id}_{secret}"


async def revoke_api_key(session: AsyncSession, key_id: str, now: datetime) -> bool:
    result = await session.execute(api_keys.update().where(api_keys.c.id == key_id,
                                                           api_keys.c.revoked_at.is_(None))
                                   .values(revoked_at=now).returning(api_keys.c.id))
    return result.first() is not None


class ApiKeyVerifier:
    """Checks presented keys against the table, caching positive answers for a few seconds."""

    def __init__(self, cache_seconds: float = 30.0) -> None:
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Principal]] = {}

    def cached(self, presented: str) -> Principal | None:
        """The key's principal if it was verified less than `cache_seconds` ago."""
        cached = self._cache.get(presented)
        return cached[1] if cached and cached[0] > time.monotonic() else None

    async def verify(self, session: AsyncSession, presented: str, now: datetime) -> Principal:
        cached = self.cached(presented)
        if cached is not None:
            return cached
        parts = presented.split("_", 2)
        if len(parts) != 3 or parts[0] != KEY_PREFIX:
            raise unauthorized("malformed API key")
        row = (await session.execute(sa.select(api_keys).where(api_keys.c.id == parts[1]))).first()
        if row is None or not hmac.compare_digest(row.secret_sha256, _digest(parts[2])):
            raise unauthorized("unknown API key")
        if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
            raise unauthorized("API key revoked or expired")
        principal = Principal(subject=f"{row.kind}:{row.client}", kind=row.kind,
                              roles=frozenset({row.kind}), scopes=frozenset(row.scopes),
                              name=row.client)
        self._cache[presented] = (time.monotonic() + self.cache_seconds, principal)
        return principal
