"""Property-based run of the grid and one-file operations (schemathesis): no 5xx, answers as
documented (R-ORG-1, R-CRD-1). Bounded: a few examples per operation, sent in-process to the
running service (real PostgreSQL and RabbitMQ) with a city-wide token holding every staff role."""

from __future__ import annotations

import pytest
import schemathesis
from labor_runtime.testing import openapi_cases
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from .conftest import CODE, bearer

pytestmark = pytest.mark.integration

EXAMPLES_PER_OPERATION = 12
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def _mine(method: str, path: str) -> bool:
    return path.startswith("/v1/grids") or path.endswith("/file") or (
        method == "PUT" and path == "/v1/employers/{credit_code}")


async def test_r_org_1_r_crd_1_grid_and_file_operations_answer_without_5xx(gridded):
    credit = gridded
    staff = bearer("officer_a", "reviewer_b", "grid_worker", "brigade_chief", "executor_c",
                   "detachment_chief", "ops", subject="fuzz-staff")
    assert (await credit.client.put(f"/v1/employers/{CODE}", headers=staff, json={
        "name": "某某建筑工程有限公司", "grid": "350102001001"})).status_code == 201
    schema = schemathesis.openapi.from_dict(credit.app.openapi())
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not _mine(operation.method.upper(), operation.path):
            continue
        operations += 1
        for case in openapi_cases(operation, EXAMPLES_PER_OPERATION):
            kwargs = case.as_transport_kwargs(base_url="http://test", headers=staff)
            kwargs.pop("cookies", None)
            if isinstance(kwargs.get("data"), str | bytes):  # a raw file body (grids load)
                kwargs["content"] = kwargs.pop("data")
            response = await credit.client.request(**kwargs)
            try:
                case.validate_response(response, checks=CHECKS)
            except FailureGroup as exc:
                failures.append(f"{operation.method.upper()} {operation.path} -> "
                                f"{response.status_code}: {str(exc)[:400]}")
    assert operations == 7
    assert not failures, "\n".join(failures[:20])
