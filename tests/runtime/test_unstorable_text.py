"""Issue 10, finding 1: a NUL character (and a lone surrogate) answered 500 on all five services,
with and without credentials: PostgreSQL text cannot hold either. One guard in the shared runtime
(`labor_runtime.problems.UnstorableText`) now refuses them in every path, query and JSON body
string with a 422 naming the places, before any route or database sees them."""

from __future__ import annotations

import json

import pytest
from cases.__main__ import MIGRATIONS as CASES_MIGRATIONS
from cases.app import create_app as cases_app
from cases.settings import CasesSettings
from credit.__main__ import MIGRATIONS as CREDIT_MIGRATIONS
from credit.app import create_app as credit_app
from credit.settings import CreditSettings
from intake.__main__ import MIGRATIONS as INTAKE_MIGRATIONS
from intake.app import create_app as intake_app
from intake.settings import IntakeSettings
from labor_runtime.problems import unstorable_places
from labor_runtime.security import issue_api_key, mint_token
from labor_runtime.settings import DEV_JWT_SECRET
from labor_runtime.testing import running_service
from notify.__main__ import MIGRATIONS as NOTIFY_MIGRATIONS
from notify.app import create_app as notify_app
from notify.settings import NotifySettings
from publish.__main__ import MIGRATIONS as PUBLISH_MIGRATIONS
from publish.app import create_app as publish_app
from publish.settings import PublishSettings

pytestmark = pytest.mark.integration

STAFF = {"Authorization": "Bearer " + mint_token(
    DEV_JWT_SECRET, subject="officer-1", roles=["officer_a", "reviewer_b", "executor_c"],
    district="d01")}
JSON = {"Content-Type": "application/json"}
NUL_BODY = json.dumps({"summary": "a\u0000b", "violation": "a\u0000b", "title": "x"})
SURROGATE_BODY = '{"reference": "\\ud800", "name": "ok"}'

# The finding's requests, per service: (method, path, body, with staff credentials).
PROBES = {
    "intake": (IntakeSettings, intake_app, INTAKE_MIGRATIONS, [
        ("GET", "/v1/complaints/TS-%00", None, False),
        ("POST", "/v1/complaints", NUL_BODY, False),
    ]),
    "cases": (CasesSettings, cases_app, CASES_MIGRATIONS, [
        ("GET", "/v1/cases/%00", None, True),
        ("POST", "/v1/cases/c-1/penalty-proposal", NUL_BODY, True),
        ("POST", "/v1/payments", SURROGATE_BODY, True),
    ]),
    "credit": (CreditSettings, credit_app, CREDIT_MIGRATIONS, [
        ("GET", "/v1/employers/%00", None, True),
        ("GET", "/v1/warnings?level=%00", None, True),
    ]),
    "notify": (NotifySettings, notify_app, NOTIFY_MIGRATIONS, [
        ("GET", "/v1/documents/%00", None, True),
        ("GET", "/v1/documents/%00", None, False),
    ]),
    "publish": (PublishSettings, publish_app, PUBLISH_MIGRATIONS, [
        ("GET", "/v1/disclosures?credit_code=%00", None, False),
        ("GET", "/v1/disclosures/%00", None, False),
        ("GET", "/v1/disclosures?%00=x", None, False),
    ]),
}


def test_issue_10_finding_1_the_places_of_unstorable_text_are_named():
    body = {"a": "ok", "b": ["x", "y\u0000"], "c": {"d\ud800": "z", "e": {"f": "\udfff"}}}
    assert list(unstorable_places(body, "body")) == [
        "body.b.1", "body.c.<key d\ufffd>", "body.c.e.f"]
    assert list(unstorable_places({"中文": "工资", "n": 1, "ok": None}, "body")) == []


@pytest.mark.parametrize("service", sorted(PROBES))
async def test_issue_10_finding_1_nul_anywhere_is_422_never_500(service, infrastructure,
                                                                  bus_prefix):
    settings, app, migrations, probes = PROBES[service]
    async with running_service(settings, app, migrations, infrastructure, bus_prefix) as running:
        headers = dict(STAFF)
        if service == "intake":
            async with running.runtime.uow() as uow:
                key = await issue_api_key(uow.session, client="hotline_12333", kind="channel",
                                          scopes=["complaints:write"])
                await uow.commit()
            headers = {"X-API-Key": key}
        for method, path, body, staff in probes:
            sent = (headers if staff or service == "intake" else {}) | (JSON if body else {})
            response = await running.client.request(method, path, content=body, headers=sent)
            assert response.status_code == 422, (path, response.text)
            problem = response.json()
            assert response.headers["content-type"].startswith("application/problem+json")
            assert problem["type"].endswith("/unstorable-text"), problem
            assert problem["errors"] and "NUL" in problem["errors"][0]["message"]
        # Escaped ordinary text passes: the guard hands the route the body it read.
        escaped = json.dumps({"summary": "拖欠工资", "violation": "拖欠工资"})  # \uXXXX escapes
        for method, path, body, staff in probes:
            if body is None:
                continue
            sent = (headers if staff or service == "intake" else {}) | JSON
            answer = await running.client.request(method, path, content=escaped, headers=sent)
            assert answer.status_code < 500, answer.text
            assert not answer.json()["type"].endswith("/unstorable-text"), answer.text
