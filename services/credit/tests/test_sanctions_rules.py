"""R-MAJ-3 sanctions, pure: which punishment, for how long, and people masked."""

from __future__ import annotations

from datetime import date

from credit.sanctions.rules import (
    BIDDING,
    HOUSING,
    MARKET_BAN,
    NO_BIDDING,
    PartyRole,
    Terms,
    add_months,
    mask_id_number,
    mask_name,
    punishment,
)

TERMS = Terms(bid_ban_months=12, market_ban_years=3)


def test_r_maj_3_developer_and_general_contractor_barred_from_bids_for_12_months():
    for role in (PartyRole.DEVELOPER, PartyRole.GENERAL_CONTRACTOR):
        m = punishment(role, starts_on=date(2026, 3, 1), terms=TERMS)
        assert m.measure == NO_BIDDING
        assert set(m.agencies) == {BIDDING, HOUSING}
        assert (m.starts_on, m.ends_on) == (date(2026, 3, 1), date(2027, 2, 28))


def test_r_maj_3_team_leader_and_foreman_banned_from_the_market_for_3_years():
    for role in (PartyRole.TEAM_LEADER, PartyRole.FOREMAN):
        m = punishment(role, starts_on=date(2026, 3, 1), terms=TERMS)
        assert (m.measure, m.agencies) == (MARKET_BAN, (HOUSING,))
        assert m.ends_on == date(2029, 2, 28)


def test_r_maj_3_terms_are_configuration():
    m = punishment(PartyRole.DEVELOPER, starts_on=date(2026, 1, 31),
                   terms=Terms(bid_ban_months=1, market_ban_years=1))
    assert m.ends_on == date(2026, 2, 27)  # 31 Jan + 1 month = 28 Feb; last day in force the 27th
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)


def test_r_maj_3_person_masked():
    assert mask_name("张三丰") == "张**"
    assert mask_id_number("11010519491231002X") == "110*************2X"
