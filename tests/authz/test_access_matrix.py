"""Issue 10: the authorization matrix (OWASP API1/API5). Every route the five apps mount has one
entry in `tests/authz/access.py` and no entry lacks a route; every entry is sent, without a body,
by every role in its own district, another district and city-wide, by a partner key, a channel
key and anonymously: those the table does not allow get 401/403 (the guard answers before the
body is read: finding 8), those it allows get neither. `docs/access.md` is rendered from the
same table."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from cases.__main__ import MIGRATIONS as CASES_MIGRATIONS
from cases.app import create_app as cases_app
from cases.settings import CasesSettings
from credit.__main__ import MIGRATIONS as CREDIT_MIGRATIONS
from credit.app import create_app as credit_app
from credit.settings import CreditSettings
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from intake.__main__ import MIGRATIONS as INTAKE_MIGRATIONS
from intake.app import create_app as intake_app
from intake.settings import IntakeSettings
from labor_runtime.security import CITY, CITY_WIDE_ROLES, issue_api_key, mint_token
from labor_runtime.settings import DEV_JWT_SECRET
from labor_runtime.testing import running_service
from notify.__main__ import MIGRATIONS as NOTIFY_MIGRATIONS
from notify.app import create_app as notify_app
from notify.settings import NotifySettings
from publish.__main__ import MIGRATIONS as PUBLISH_MIGRATIONS
from publish.app import create_app as publish_app
from publish.settings import PublishSettings

from tests.authz.access import (
    ALL_ROLES,
    CHANNEL,
    DOC,
    INGEST,
    PARTNER,
    PUBLIC,
    ROUTES,
    STAFF,
    Access,
    Reach,
    render,
)

SERVICES: dict[str, tuple[Any, Any, Any]] = {
    "intake": (IntakeSettings, intake_app, INTAKE_MIGRATIONS),
    "cases": (CasesSettings, cases_app, CASES_MIGRATIONS),
    "credit": (CreditSettings, credit_app, CREDIT_MIGRATIONS),
    "notify": (NotifySettings, notify_app, NOTIFY_MIGRATIONS),
    "publish": (PublishSettings, publish_app, PUBLISH_MIGRATIONS),
}
# Path parameters that the guard never sees; a few take a value that names a real kind.
PLACEHOLDERS = {"source": "judgment_debtors", "year": "2026", "month": "2026-01",
                "credit_code": "91350100M000100Y43"}
KEY_SCOPES = ["complaints:write", "disclosures:read", "sanctions:market_ban",
              "ingest:judgment_debtors"]
OWN, OTHER = "d01", "d02"
JSON = {"Content-Type": "application/json"}
# A write is also sent with a body missing every field and with one that is not JSON: the
# caller's right to act is settled before the body (finding 8).
BODIES: dict[str, tuple[str | None, ...]] = {
    "GET": (None,), "POST": (None, "{}", "{"), "PUT": (None, "{}", "{")}


def mounted(app: FastAPI) -> set[tuple[str, str]]:
    return {(method, context.path or "")
            for context in iter_route_contexts(app.routes)
            if isinstance(route := context.original_route, APIRoute)
            for method in route.methods}


def bearer(role: str, district: str | None) -> dict[str, str]:
    token = mint_token(DEV_JWT_SECRET, subject=f"matrix-{role}-{district}", roles=[role],
                       district=district)
    return {"Authorization": f"Bearer {token}"}


def callers(channel_key: str, partner_key: str) -> list[tuple[str, dict[str, str], str | None]]:
    """(name, headers, role) of everyone who knocks: each role in its own district, another
    district and city-wide (the city-wide roles also without a claim), a partner, a channel and
    nobody."""
    found: list[tuple[str, dict[str, str], str | None]] = [
        ("anonymous", {}, None), ("channel", {"X-API-Key": channel_key}, None),
        ("partner", {"X-API-Key": partner_key}, None)]
    for role in ALL_ROLES:
        for district in (OWN, OTHER, CITY):
            found.append((f"{role}@{district}", bearer(role, district), role))
        if role in CITY_WIDE_ROLES:
            found.append((f"{role}@(no claim)", bearer(role, None), role))
    return found


def allowed(entry: Access, caller: str, role: str | None) -> bool:
    if entry.effective_reach is Reach.CITY_WIDE and caller.endswith((f"@{OWN}", f"@{OTHER}")):
        return False
    if entry.credential in (PUBLIC, entry.credential.CLOCK):
        return True
    if entry.credential is CHANNEL:
        return caller == "channel"
    if entry.credential is PARTNER:
        return caller == "partner"
    if entry.credential is INGEST and caller in ("channel", "partner"):
        return True
    return role is not None and role in entry.effective_roles


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PLACEHOLDERS.get(m.group(1), "matrix-x"), path)


def test_issue10_access_doc_is_current():
    assert DOC.read_text(encoding="utf-8") == render(), \
        "docs/access.md is stale: run `python -m tests.authz.access`"


def test_issue10_access_table_matches_mounted_routes():
    """A route without an entry, or an entry without a route, fails: the table is the whole API."""
    for service, (settings, factory, _) in SERVICES.items():
        app = factory(settings(environment="test", clock_control=True))
        table = {(e.method, e.path) for e in ROUTES if e.service == service}
        routes = mounted(app)
        assert routes - table == set(), f"{service}: mounted routes without an access entry"
        assert table - routes == set(), f"{service}: access entries without a mounted route"


@pytest.mark.integration
@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_issue10_authorization_matrix(service, infrastructure, bus_prefix):
    settings, factory, migrations = SERVICES[service]
    async with running_service(settings, factory, migrations, infrastructure, bus_prefix) as running:
        async with running.runtime.uow() as uow:
            channel_key = await issue_api_key(uow.session, client="hotline_12333", kind="channel",
                                              scopes=KEY_SCOPES)
            partner_key = await issue_api_key(uow.session, client="housing-regulator",
                                              kind="partner", scopes=KEY_SCOPES)
            await uow.commit()
        if service == "publish":  # its feed is for a registered partner's key
            registered = await running.client.post("/v1/partners", headers=bearer("ops", None), json={
                "name": "housing_bureau", "agency": "housing_construction", "webhook_url": None,
                "categories": ["penalty_decision"]})
            partner_key = registered.json()["api_key"]
        everyone = callers(channel_key, partner_key)
        wrong: list[str] = []
        for entry in (e for e in ROUTES if e.service == service):
            if entry.path == "/v1/ops/clock":  # moves the clock; open in development by design
                continue
            for (caller, headers, role), body in itertools.product(everyone, BODIES[entry.method]):
                answer = await running.client.request(entry.method, concrete(entry.path),
                                                      headers=headers | JSON, content=body)
                refused = answer.status_code in (401, 403)
                if allowed(entry, caller, role) == refused or answer.status_code == 500:
                    wrong.append(f"{entry.method} {entry.path} as {caller}: {answer.status_code} "
                                 f"{answer.text[:120]}")
        assert wrong == [], "\n".join(wrong)


def test_issue10_every_staff_entry_names_its_roles():
    assert [e.key for e in ROUTES if e.credential is STAFF and not e.roles] == []
