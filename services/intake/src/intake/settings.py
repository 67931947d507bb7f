"""Intake settings: every deadline and threshold of R-INT-* with its DOMAIN.md default."""

from __future__ import annotations

from typing import ClassVar

from labor_runtime.settings import ServiceSettings
from pydantic import Field


class IntakeSettings(ServiceSettings):
    service_name: ClassVar[str] = "intake"
    default_port: ClassVar[int] = 8001

    assignment_within_hours: float = Field(default=1, description="R-INT-3 assign a handler")
    phone_confirmation_within_hours: float = Field(default=24, description="R-INT-3 phone the worker")
    registration_answer_within_days: int = Field(default=7, description="R-INT-3 tell registration")
    required_materials: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "wage_arrears": ["identity_proof", "preliminary_evidence"],
        },
        description="R-INT-2 materials each complaint type needs",
    )
