"""When a queued employer falls due for regrading (R-CRD-2): pure, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from credit.grading.due import falls_due

SECOND = timedelta(seconds=1)


def test_r_crd_2_an_employer_falls_due_one_to_two_gathering_times_after_it_is_queued():
    for micros in (0, 1, 250_000, 999_999):
        now = datetime(2026, 12, 4, 8, 0, 0, micros, tzinfo=UTC)
        due = falls_due(now, SECOND)
        assert now + SECOND <= due < now + 2 * SECOND


def test_r_crd_2_reports_within_one_gathering_window_fall_due_together():
    start = datetime(2026, 12, 4, 8, 0, 0, 1, tzinfo=UTC)
    windows = {falls_due(start + timedelta(milliseconds=ms), SECOND) for ms in range(0, 999, 7)}
    assert windows == {datetime(2026, 12, 4, 8, 0, 2, tzinfo=UTC)}


def test_r_crd_2_without_gathering_an_employer_is_due_at_once():
    now = datetime(2026, 12, 4, 8, 0, 0, 123, tzinfo=UTC)
    assert falls_due(now, timedelta(0)) == now
