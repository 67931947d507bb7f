"""Typed settings shared by every service; each service subclasses with its own thresholds."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789abcdef"  # noqa: S105 - refused in production
DEV_FIELD_KEY = base64.b64encode(b"dev-only-field-key-32-bytes-long").decode()


class ServiceSettings(BaseSettings):
    """Process configuration from environment variables (twelve-factor: one process, one env)."""

    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    service_name: ClassVar[str] = "service"
    default_port: ClassVar[int] = 8000

    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 0
    public_base_url: str = Field(default="", description="external URL of this service")
    web_concurrency: int = Field(default=1, ge=1, le=32, description="server processes")

    database_url: str = ""
    db_pool_size: int = Field(default=6, description="connections kept open (max_connections is shared)")
    db_max_overflow: int = Field(default=0, description="extra connections, opened and closed per use")

    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    amqp_heartbeat_seconds: int = 20
    bus_exchange: str = "labor.events"
    bus_prefix: str = Field(default="", description="namespace for exchange and queue names")
    consumer_prefetch: int = 64
    retry_delays_ms: list[int] = Field(default_factory=lambda: [1000, 10_000, 60_000])
    delivery_limit: int = Field(default=10, description="quorum queue x-delivery-limit")
    publish_timeout_seconds: float = 10.0

    outbox_batch_size: int = 500
    outbox_lease_seconds: float = 30.0
    outbox_poll_seconds: float = Field(default=0.5, description="catch rows other processes commit")
    outbox_retention_hours: float = 24 * 7
    timer_sweep_seconds: float = 1.0

    otel_exporter_otlp_endpoint: str | None = None
    telemetry_spans_file: Path | None = Field(
        default=None, description="append finished spans as JSON lines (development and tests)"
    )
    log_level: str = "INFO"

    auth_jwt_key: str = DEV_JWT_SECRET
    auth_jwt_algorithms: list[str] = Field(default_factory=lambda: ["HS256"])
    auth_jwt_issuer: str = "labor-inspection-idp"
    auth_jwt_audience: str = "labor-inspection"
    api_key_cache_seconds: float = 30.0

    field_encryption_keys: str = Field(
        default=json.dumps({"dev1": DEV_FIELD_KEY}),
        description='JSON map key id -> base64 AES-256 key, e.g. {"k2": "...", "k1": "..."}',
    )
    field_encryption_active_key: str = "dev1"

    max_body_bytes: int = 1024 * 1024
    clock_control: bool = Field(
        default=False, description="allow /v1/ops/clock to shift time (tests and demos only)"
    )

    @model_validator(mode="after")
    def _defaults_and_production_safety(self) -> ServiceSettings:
        if not self.port:
            self.port = self.default_port
        if not self.database_url:
            self.database_url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{self.service_name}"
        if not self.public_base_url:
            self.public_base_url = f"http://{self.host}:{self.port}"
        if self.environment == "production":
            if self.auth_jwt_key == DEV_JWT_SECRET or DEV_FIELD_KEY in self.field_encryption_keys:
                raise ValueError("development secrets are refused in production")
            if self.clock_control:
                raise ValueError("clock_control is refused in production")
        return self

    @property
    def source(self) -> str:
        return f"/services/{self.service_name}"
