"""Intake settings: every deadline and threshold of R-INT-* with its DOMAIN.md default."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from labor_runtime.settings import ServiceSettings
from pydantic import Field

MIB = 1024 * 1024


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
    mediation_escalation_within_hours: float = Field(
        default=2, description="R-INT-4 report a failed grid mediation to the district brigade")
    on_time_gauge_refresh_seconds: float = Field(
        default=30, gt=0, description="R-INT-3 how often the on-time-rate gauge is recomputed")
    key_rotation_batch_size: int = Field(
        default=200, ge=1, le=10_000, description="R-INT-7 rows re-encrypted per transaction")

    # R-INT-1 channels ---------------------------------------------------------------------------
    channel_clients: dict[str, str] = Field(
        default_factory=dict,
        description="R-INT-1 explicit API-client name -> channel, e.g. {\"window_d01\": \"window\"}; "
        "a client named like a channel (or '<channel>_<suffix>') needs no entry; others are refused")
    channel_rate_limit_per_minute: int = Field(
        default=1200, ge=1, description="R-INT-1 requests (batch items count one each) a channel "
        "may send per minute; per process (in-memory fixed window), so the fleet allows "
        "WEB_CONCURRENCY x replicas times this")
    channel_rate_limits: dict[str, int] = Field(
        default_factory=dict, description="R-INT-1 per-channel override of the limit per minute, "
        "e.g. {\"wechat_miniprogram\": 6000}")

    # R-INT-5 offline batches --------------------------------------------------------------------
    batch_max_items: int = Field(default=50, ge=1, le=500,
                                 description="R-INT-5 items one offline batch may carry")

    # R-INT-2 materials --------------------------------------------------------------------------
    material_storage: Literal["local"] = Field(
        default="local", description="R-INT-2 where uploaded evidence is stored (local disk)")
    material_storage_dir: Path = Field(default=Path("var/intake/materials"),
                                       description="R-INT-2 directory of the local-disk store")
    material_max_bytes: int = Field(default=10 * MIB, ge=1,
                                    description="R-INT-2 largest evidence file, bytes (decoded)")
    material_max_per_complaint: int = Field(
        default=50, ge=1, description="R-INT-2 files one complaint may hold (uploads need only the "
        "tracking code, so this bounds what one code can store)")
    material_content_types: list[str] = Field(
        default_factory=lambda: ["image/jpeg", "image/png", "application/pdf"],
        description="R-INT-2 content types accepted as evidence")

    @property
    def material_body_bytes(self) -> int:
        """Body limit of the upload route: files arrive base64 in JSON (4/3 of the file)."""
        return (self.material_max_bytes + 2) // 3 * 4 + 64 * 1024
