"""Pure register rules (一户一档, R-CRD-1): who may change basic data, and what others hear of it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

PUBLISHED = ("name", "address", "grid", "district", "industry")
"""Basic data other services hear of (credit.employer.changed.v1): business data only; the legal
representative, the contact address and the size stay in the register."""


def gaps_filled(stored: Mapping[str, str | None],
                offered: Mapping[str, str | None]) -> dict[str, str]:
    """R-CRD-1: basic data belongs to officers and grid workers; a penalty decision only fills
    what the register does not know yet."""
    return {field: value for field, value in offered.items()
            if value is not None and stored.get(field) is None}


def publishes(changed: Iterable[str]) -> bool:
    """A change other services hear of: one of the published fields changed."""
    return any(field in PUBLISHED for field in changed)
