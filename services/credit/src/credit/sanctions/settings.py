"""Settings of sanctions: each with its DOMAIN.md default and the rule it comes from."""

from __future__ import annotations

from pydantic import BaseModel


class SanctionsSettings(BaseModel):
    pass
