"""Property-based run (schemathesis) of the warning, project and deposit operations: no 5xx and
every answer as documented, for city-wide and district staff (R-CRD-3, R-CRD-6)."""

from __future__ import annotations

import pytest
import schemathesis
from labor_runtime.testing import openapi_cases
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from .conftest import bearer, start_credit

pytestmark = pytest.mark.integration

EXAMPLES_PER_OPERATION = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
PATHS = ("/v1/warnings", "/v1/employers/{credit_code}/warnings", "/v1/projects/{project_id}",
         "/v1/projects/{project_id}/deposit", "/v1/deposits/coverage")


async def test_r_crd_3_r_crd_6_operations_answer_without_5xx_and_as_documented(
        infrastructure, bus_prefix):
    async with start_credit(infrastructure, bus_prefix) as credit:
        schema = schemathesis.openapi.from_dict(credit.app.openapi())
        failures: list[str] = []
        operations = 0
        for who in (bearer("officer_a", "grid_worker", "detachment_chief", subject="fuzz"),
                    bearer("officer_a", district="d01", subject="fuzz-d01")):
            for result in schema.get_all_operations():
                operation = result.ok()
                if operation.path not in PATHS:
                    continue
                operations += 1
                for case in openapi_cases(operation, EXAMPLES_PER_OPERATION):
                    kwargs = case.as_transport_kwargs(base_url="http://test", headers=who)
                    kwargs.pop("cookies", None)
                    response = await credit.client.request(**kwargs)
                    try:
                        case.validate_response(response, checks=CHECKS)
                    except FailureGroup as exc:
                        failures.append(f"{operation.method.upper()} {operation.path} -> "
                                        f"{response.status_code}: {str(exc)[:400]}")
        assert operations == 2 * 6
        assert not failures, "\n".join(failures[:20])
