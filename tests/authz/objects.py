"""The object-level half of the authorization matrix (OWASP API1), generated from
`tests/authz/access.py`: every staff route of district reach whose path names an object is called
on an object of district d01, by an allowed role of d02 (404, with the very problem a missing
object answers) and of d01 (neither 401/403 nor the missing object's 404, never 500). Each
service's tests seed one object of every kind its routes name, through its real API and real
events, and hand the ids to `probe`."""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx
from labor_runtime.security import mint_token
from labor_runtime.settings import DEV_JWT_SECRET

from tests.authz.access import OBJECTS, ROUTES, STAFF, Access, Reach

OWN, OTHER = "d01", "d02"
MISSING = "authz-missing-0"
PARAMETER = re.compile(r"\{(\w+)\}")
# A value for a parameter that names no object (a milestone of a major case).
PLAIN = {"milestone": "wages_paid"}
# PUTs that create the object when it is missing: the other district sends a body of its own
# district, and another district's object must answer 404 rather than be overwritten.
UPSERTS = frozenset({("credit", "PUT", "/v1/employers/{credit_code}"),
                     ("credit", "PUT", "/v1/projects/{project_id}")})


def kinds(entry: Access) -> list[str]:
    """The kinds of object the route's path names, outermost first."""
    return [OBJECTS[(entry.service, name)] for name in PARAMETER.findall(entry.path)
            if (entry.service, name) in OBJECTS]


def probed(service: str) -> list[Access]:
    """The routes of `service` this probe covers: staff routes of district reach naming an
    object."""
    return [e for e in ROUTES if e.service == service and e.credential is STAFF
            and e.effective_reach is Reach.DISTRICT and kinds(e)]


def bearer(role: str, district: str) -> dict[str, str]:
    token = mint_token(DEV_JWT_SECRET, subject=f"objects-{role}-{district}", roles=[role],
                       district=district)
    return {"Authorization": f"Bearer {token}"}


def path(entry: Access, ids: Mapping[str, str], missing: str | None = None,
         absent: Mapping[str, str] | None = None) -> str:
    """The route's path on the seeded objects; `missing` names the kind replaced by an id that
    does not exist (`absent`'s, for a kind whose ids have a format, else `MISSING`)."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        kind = OBJECTS.get((entry.service, name))
        if kind is None:
            return PLAIN[name]
        return (absent or {}).get(kind, MISSING) if kind == missing else ids[kind]
    return PARAMETER.sub(value, entry.path)


def same_problem(one: httpx.Response, other: httpx.Response) -> bool:
    """The same answer but for the id it names."""
    def shape(answer: httpx.Response) -> dict[str, object]:
        body = answer.json()
        return {k: v for k, v in body.items() if k not in ("detail", "instance")}
    return one.status_code == other.status_code and shape(one) == shape(other)


async def probe(client: httpx.AsyncClient, service: str, ids: Mapping[str, str],
                bodies: Mapping[tuple[str, str], object] | None = None,
                absent: Mapping[str, str] | None = None,
                other_bodies: Mapping[tuple[str, str], object] | None = None,
                queries: Mapping[tuple[str, str], dict[str, str]] | None = None) -> list[str]:
    """What is wrong, one line per route: an unseeded kind, another district's object answered
    otherwise than a missing one, or the own district's object refused or missing. `bodies` are
    valid bodies of the writes (an invalid one answers 422 before the object is looked up);
    `other_bodies` those of the upserts as the other district sends them; `absent` well-formed
    ids of no object, for kinds whose ids have a format; `queries` required query parameters."""
    wrong: list[str] = []
    for entry in probed(service):
        unseeded = [k for k in kinds(entry) if k not in ids]
        if unseeded:
            wrong.append(f"{entry.method} {entry.path}: no seeded object of kind {unseeded}")
            continue
        role = sorted(entry.effective_roles)[0]
        body = (bodies or {}).get((entry.method, entry.path), {})
        json = None if entry.method == "GET" else body
        params = (queries or {}).get((entry.method, entry.path))
        outer = kinds(entry)[0]
        upsert = (entry.service, entry.method, entry.path) in UPSERTS
        foreign = (other_bodies or {}).get((entry.method, entry.path), json) if upsert else json
        other = await client.request(entry.method, path(entry, ids), json=foreign, params=params,
                                     headers=bearer(role, OTHER))
        missing = await client.request(entry.method, path(entry, ids, outer, absent), json=json,
                                       params=params, headers=bearer(role, OTHER))
        if other.status_code != 404 or not (upsert or same_problem(other, missing)):
            wrong.append(f"{entry.method} {entry.path} as {role}@{OTHER}: {other.status_code} "
                         f"{other.text[:160]} (a missing {outer}: {missing.status_code})")
        own = await client.request(entry.method, path(entry, ids), json=json,
                                   params=params, headers=bearer(role, OWN))
        # a 404 of a part the object lacks (a case without a hearing) is fine, not the object's own
        if own.status_code in (401, 403, 500) or same_problem(own, missing):
            wrong.append(f"{entry.method} {entry.path} as {role}@{OWN}: {own.status_code} "
                         f"{own.text[:160]}")
    return wrong
