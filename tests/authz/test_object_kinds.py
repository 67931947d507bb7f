"""Issue 10, the object-level matrix cannot be escaped: every path parameter of a district route
is either a kind of object (`OBJECTS`, probed on a seeded object) or names none (`NOT_OBJECTS`),
and every service with such routes has its probe, `services/<service>/tests/test_object_level.py`,
which fails for a kind it does not seed."""

from __future__ import annotations

from pathlib import Path

from tests.authz.access import NOT_OBJECTS, OBJECTS, ROUTES, STAFF, Reach
from tests.authz.objects import PARAMETER, PLAIN, probed

ROOT = Path(__file__).resolve().parents[2]


def test_issue10_object_level_every_district_route_parameter_is_classified():
    district = [e for e in ROUTES if e.credential is STAFF and e.effective_reach is Reach.DISTRICT]
    unclassified = {(e.service, name) for e in district for name in PARAMETER.findall(e.path)
                    if (e.service, name) not in OBJECTS and name not in NOT_OBJECTS}
    assert unclassified == set(), "name the kind of object in OBJECTS, or add it to NOT_OBJECTS"
    plain = {name for e in district for name in PARAMETER.findall(e.path) if name in NOT_OBJECTS}
    assert plain <= set(PLAIN), "give the probe a value for each parameter naming no object"


def test_issue10_object_level_every_service_with_district_objects_is_probed():
    for service in sorted({e.service for e in ROUTES if probed(e.service)}):
        module = ROOT / "services" / service / "tests" / "test_object_level.py"
        assert module.is_file(), f"{service}: no object-level probe ({module.name})"
        assert f'probe({service}.client, "{service}"' in module.read_text(encoding="utf-8"), \
            f"{service}: {module.name} does not probe {service}'s routes"
