"""Pure rules of the blacklist's publication and of repair notices."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from labor_contracts.credit import Punishment
from publish.blacklist.rules import acted_on_by, penalty_text
from publish.repair_notices.rules import (
    NoticeStatus,
    objection_refused,
    origin_tag,
    retry_after,
    status,
)

D = date(2026, 12, 1)
LOANS = Punishment(measure="no_new_loans", agencies=["finance"], starts_on=D, ends_on=D)
BIDS = Punishment(measure="no_bidding", agencies=["bidding", "housing_construction"],
                  starts_on=D, ends_on=D)


def test_r_crd_4_partner_told_only_the_punishments_its_agency_enforces():
    assert acted_on_by([LOANS, BIDS], "finance") == [LOANS]
    assert acted_on_by([LOANS, BIDS], "housing_construction") == [BIDS]
    assert acted_on_by([LOANS, BIDS], "other") == []


def test_r_crd_4_punishments_in_words_with_their_terms():
    assert penalty_text([LOANS, BIDS]) == ("限制新增贷款（2026-12-01至2026-12-01）；"
                                           "限制参与招标投标（2026-12-01至2026-12-01）")
    assert penalty_text([]) == "无"


def test_r_pub_5_objections_only_while_the_notice_is_open():
    start = datetime(2026, 12, 1, tzinfo=UTC)
    end = start + timedelta(days=7)

    def at(moment: datetime, outcome: str | None = None) -> NoticeStatus:
        return status(moment, starts_at=start, ends_at=end, outcome=outcome)

    assert at(start - timedelta(seconds=1)) is NoticeStatus.UPCOMING
    assert at(start) is NoticeStatus.OPEN and objection_refused(at(start)) is None
    assert at(end) is NoticeStatus.ENDED
    assert at(start, "repaired") is NoticeStatus.REPAIRED
    assert objection_refused(NoticeStatus.ENDED) == "the public notice period is over"
    assert "refused" in (objection_refused(at(start, "refused")) or "")


def test_r_pub_5_objections_rate_limited_per_address_without_keeping_the_address():
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    filed = [now - timedelta(minutes=m) for m in (50, 30, 10)]
    assert retry_after(filed, now, limit=4) is None
    assert retry_after(filed, now, limit=3) == 10 * 60 + 1  # the oldest leaves the hour then
    tag = origin_tag("203.0.113.7", b"k" * 32)
    assert "203.0.113.7" not in tag and tag == origin_tag("203.0.113.7", b"k" * 32)
    assert tag != origin_tag("203.0.113.7", b"j" * 32)
