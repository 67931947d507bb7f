"""Fast unit tests of the runtime's pure parts: encryption, calendar, tokens, masks."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from labor_runtime.clock import Calendar, SystemClock
from labor_runtime.crypto import DecryptionError, FieldCipher, mask
from labor_runtime.problems import Problem
from labor_runtime.security import CITY, Principal, TokenVerifier, mint_token
from labor_runtime.settings import ServiceSettings

KEY1 = base64.b64encode(b"1" * 32).decode()
KEY2 = base64.b64encode(b"2" * 32).decode()


def test_r_int_7_field_encryption_round_trip_and_binding():
    cipher = FieldCipher.from_settings(json.dumps({"k1": KEY1}), "k1")
    token = cipher.encrypt("13800138000", "complaints.phone:1")
    assert "13800138000" not in token and token.startswith("v1.k1.")
    assert cipher.decrypt(token, "complaints.phone:1") == "13800138000"
    with pytest.raises(DecryptionError):
        cipher.decrypt(token, "complaints.phone:2")  # moved to another row
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(DecryptionError):
        cipher.decrypt(tampered, "complaints.phone:1")


def test_r_int_7_key_rotation_keeps_old_rows_readable():
    old = FieldCipher.from_settings(json.dumps({"k1": KEY1}), "k1")
    token = old.encrypt("张三", "a")
    rotated = FieldCipher.from_settings(json.dumps({"k1": KEY1, "k2": KEY2}), "k2")
    assert rotated.decrypt(token, "a") == "张三"
    new_token = rotated.rotate(token, "a")
    assert FieldCipher.key_id(new_token) == "k2" and rotated.decrypt(new_token, "a") == "张三"
    assert rotated.rotate(new_token, "a") == new_token


def test_masks_hide_personal_data():
    assert mask("13800138000") == "138******00"
    assert mask("张三丰") == "张**"
    assert mask("张三") == "张*"


def test_calendar_days_by_default_and_working_days_pluggable():
    start = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)  # Wed 10:00 in Shanghai
    assert Calendar().add_days(start, 7) == start + timedelta(days=7)
    holidays = [date(2026, 10, d) for d in range(1, 8)]
    calendar = Calendar(holidays=holidays, workdays=[date(2026, 10, 10)])
    due = calendar.add_days(start, 2, working=True)
    assert Calendar.local_date(due) == date(2026, 10, 9)  # Oct 8 and 9 are the first working days
    assert calendar.is_working_day(date(2026, 10, 10))  # Saturday make-up day


def test_clock_can_be_driven():
    clock = SystemClock()
    before = clock.now()
    after = clock.advance(timedelta(days=3))
    assert after - before >= timedelta(days=3)


def test_tokens_carry_roles_and_expire():
    verifier = TokenVerifier("s" * 40, ["HS256"], "labor-inspection-idp", "labor-inspection")
    token = mint_token("s" * 40, subject="u1", roles=["officer_a"], district="d01")
    principal = verifier.verify(token)
    assert principal.roles == {"officer_a"} and principal.district == "d01"
    expired = mint_token("s" * 40, subject="u1", roles=["officer_a"], district="d01",
                         ttl=timedelta(seconds=-5))
    with pytest.raises(Problem) as refused:
        verifier.verify(expired)
    assert refused.value.status == 401


@pytest.mark.parametrize("role", ["grid_worker", "officer_a", "reviewer_b", "executor_c",
                                  "brigade_chief"])
def test_issue10_finding_9_district_role_without_district_claim_is_refused(role):
    """A brigade's role without a `district` claim reaches nothing: the token is refused with a
    reason instead of being read as the whole city."""
    verifier = TokenVerifier("s" * 40, ["HS256"], "labor-inspection-idp", "labor-inspection")
    with pytest.raises(Problem) as refused:
        verifier.verify(mint_token("s" * 40, subject="u1", roles=[role]))
    assert refused.value.status == 403 and "district" in refused.value.detail


def test_issue10_finding_9_city_wide_reach_is_explicit():
    """City-wide reach comes from the claim `district: city` or a city-wide role (R-ORG); a
    district claim narrows even the detachment chief, and no principal reads None as the city."""
    verifier = TokenVerifier("s" * 40, ["HS256"], "labor-inspection-idp", "labor-inspection")
    city_officer = verifier.verify(mint_token("s" * 40, subject="u1", roles=["officer_a"],
                                              district=CITY))
    chief = verifier.verify(mint_token("s" * 40, subject="u2", roles=["detachment_chief"]))
    ops = verifier.verify(mint_token("s" * 40, subject="u3", roles=["ops"]))
    assert all(p.city_wide and p.reaches("d07") for p in (city_officer, chief, ops))
    narrowed = verifier.verify(mint_token("s" * 40, subject="u4", roles=["detachment_chief"],
                                          district="d01"))
    assert not narrowed.city_wide and narrowed.reaches("d01") and not narrowed.reaches("d02")
    unscoped = Principal(subject="u5", kind="staff", roles=frozenset({"officer_a"}))
    assert not unscoped.reaches("d01") and not unscoped.reaches(None)


def test_production_refuses_development_secrets():
    class Svc(ServiceSettings):
        service_name = "svc"

    with pytest.raises(ValueError, match="development secrets"):
        Svc(environment="production")
    assert Svc(environment="development").port == 8000
