"""Issue 10, finding 10: the OpenAPI documents declared no security scheme, and OPTIONS (or any
unmounted method) answered 405 with an `Allow` naming the methods of the first route matching
the path only. The guards of the shared runtime now declare their schemes (a staff JWT as HTTP
bearer, a channel's or partner's `X-API-Key`), and a 405 lists every method mounted on the path."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, get_type_hints

import httpx
import pytest
from cases.app import create_app as cases_app
from cases.settings import CasesSettings
from credit.app import create_app as credit_app
from credit.settings import CreditSettings
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from intake.app import create_app as intake_app
from intake.settings import IntakeSettings
from labor_runtime.security import Principal
from notify.app import create_app as notify_app
from notify.settings import NotifySettings
from publish.app import create_app as publish_app
from publish.settings import PublishSettings

SERVICES = {"intake": (IntakeSettings, intake_app), "cases": (CasesSettings, cases_app),
            "credit": (CreditSettings, credit_app), "notify": (NotifySettings, notify_app),
            "publish": (PublishSettings, publish_app)}
HTTP_METHODS = {"GET", "PUT", "POST", "DELETE", "PATCH"}


def app_of(service: str) -> FastAPI:
    """The app as deployed (its OpenAPI and routing need no database or broker)."""
    settings, factory = SERVICES[service]
    return factory(settings(environment="test", clock_control=True))


def calls(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from calls(dependency)


def authenticates(call: Any) -> bool:
    """A dependency that establishes who calls: the runtime's guards and those built on them."""
    try:
        return get_type_hints(call).get("return") is Principal
    except (NameError, TypeError):
        return False


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_issue10_finding_10_every_guarded_operation_declares_its_security(service):
    app = app_of(service)
    document = app.openapi()
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}.items() <= \
        schemes["staffToken"].items()
    if "clientKey" in schemes:
        assert (schemes["clientKey"]["in"], schemes["clientKey"]["name"]) == ("header", "X-API-Key")
    wrong = []
    operations = 0
    for route in iter_route_contexts(app.routes):
        if getattr(route, "dependant", None) is None or not route.include_in_schema:
            continue
        guarded = any(authenticates(call) for call in calls(route.dependant))
        for method in route.methods - {"HEAD"}:
            operations += 1
            declared = document["paths"][route.path_format][method.lower()].get("security", [])
            known = all(set(requirement) <= set(schemes) for requirement in declared)
            if guarded != bool(declared) or not known:
                wrong.append(f"{method} {route.path_format}: guarded={guarded}, declares {declared}")
    assert operations == sum(len(path) for path in document["paths"].values())
    assert not wrong, "\n".join(wrong)


def concrete(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "p1", template)


def documented_methods(document: dict[str, Any], path: str) -> set[str]:
    """The methods of every documented path template the concrete `path` falls under."""
    methods: set[str] = set()
    for template, operations in document["paths"].items():
        if re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)), path):
            methods |= {m.upper() for m in operations if m.upper() in HTTP_METHODS}
    return methods


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_issue10_finding_10_options_and_405_allow_every_documented_method(service):
    app = app_of(service)
    document = app.openapi()
    wrong = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for template in document["paths"]:
            path = concrete(template)
            expected = documented_methods(document, path)
            for probe in ("OPTIONS", *sorted({"DELETE", "PATCH"} - expected)[:1]):
                response = await client.request(probe, path)
                allowed = {m.strip() for m in response.headers.get("allow", "").split(",")}
                if response.status_code != 405 or allowed != expected:
                    wrong.append(f"{probe} {path}: {response.status_code}, Allow {sorted(allowed)}"
                                 f" but documented {sorted(expected)}")
    assert not wrong, "\n".join(wrong)


def test_issue10_finding_10_credit_documents_the_credit_code_it_enforces():
    """Credit refuses an invalid credit code in every path with a 422; its OpenAPI now says which
    codes it takes (the check character aside), lower case included."""
    document = app_of("credit").openapi()
    code = "91350100M000100Y43"
    documented = [parameter["schema"].get("pattern")
                  for operations in document["paths"].values() for operation in operations.values()
                  for parameter in operation.get("parameters", [])
                  if parameter["name"] == "credit_code" and parameter["in"] == "path"]
    assert documented and None not in documented
    for pattern in set(documented):
        assert re.fullmatch(pattern, code) and re.fullmatch(pattern, code.lower())
        assert not any(re.fullmatch(pattern, refused) for refused in (
            "91350100M0001", "91350100M000100I43", code + "0"))
