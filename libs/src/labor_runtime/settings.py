"""Typed settings shared by every service; each service subclasses with its own thresholds."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import ClassVar, Literal, TypeVar

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789abcdef"  # noqa: S105 - refused in production
DEV_FIELD_KEY = base64.b64encode(b"dev-only-field-key-32-bytes-long").decode()


class ServiceSettings(BaseSettings):
    """Process configuration from environment variables (twelve-factor: one process, one env)."""

    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    service_name: ClassVar[str] = "service"
    default_port: ClassVar[int] = 8000

    environment: Literal["development", "test", "production"] = Field(
        default="development", description="production refuses development secrets")
    host: str = Field(default="127.0.0.1", description="address to listen on")
    port: int = Field(default=0, description="HTTP port; 0 means the service's default")
    public_base_url: str = Field(default="", description="external URL of this service")
    web_concurrency: int = Field(default=1, ge=1, le=32, description="server processes")

    database_url: str = Field(default="",
                              description="postgresql+asyncpg URL of the service's own database")
    db_pool_size: int = Field(default=6, description="connections kept open (max_connections is shared)")
    db_max_overflow: int = Field(default=0, description="extra connections, opened and closed per use")

    amqp_url: str = Field(default="amqp://guest:guest@127.0.0.1:5672/", description="RabbitMQ")
    amqp_heartbeat_seconds: int = Field(default=20, description="detects a dead broker peer")
    bus_exchange: str = Field(default="labor.events", description="the topic exchange")
    bus_prefix: str = Field(default="", description="namespace for exchange and queue names")
    consumer_prefetch: int = Field(default=64, ge=1, description="unacked messages per consumer")
    consumer_batch_size: int = Field(
        default=32, ge=1, le=1000, description="deliveries applied in one transaction at most")
    consumer_concurrency: int = Field(
        default=2, ge=1, le=32, description="batches applied at once (each holds a connection)")
    retry_delays_ms: list[int] = Field(default_factory=lambda: [1000, 10_000, 60_000],
                                      description="backoff of a failed message, then the DLQ")
    delivery_limit: int = Field(default=10, description="quorum queue x-delivery-limit")
    publish_timeout_seconds: float = Field(default=10.0, description="wait for a broker confirm")

    outbox_batch_size: int = Field(default=500, description="rows the relay claims at once")
    outbox_lease_seconds: float = Field(default=30.0, description="a crashed relay's rows return after")
    outbox_poll_seconds: float = Field(
        default=2.0, gt=0, description="catch rows other processes commit (this process's own "
        "commits wake the relay at once)")
    outbox_retention_hours: float = Field(default=24 * 7, gt=0, description="sent rows kept for audit")
    inbox_retention_hours: float = Field(
        default=24 * 30, gt=0, description="processed event ids kept to drop late redeliveries")
    retention_sweep_seconds: float = Field(
        default=600, gt=0, description="how often expired outbox and inbox rows are deleted")
    timer_sweep_seconds: float = Field(
        default=10.0, gt=0, description="catch deadlines other processes start (the sweeper "
        "otherwise sleeps until the next due one)")

    otel_exporter_otlp_endpoint: str | None = Field(default=None, description="OTLP/HTTP collector")
    telemetry_spans_file: Path | None = Field(
        default=None, description="append finished spans as JSON lines (development and tests)"
    )
    log_level: str = Field(default="INFO", description="JSON logs on stdout")

    auth_jwt_key: str = Field(default=DEV_JWT_SECRET,
                              description="staff token key (HMAC secret or public key)")
    auth_jwt_algorithms: list[str] = Field(default_factory=lambda: ["HS256"],
                                          description="e.g. [\"RS256\"] with a public key")
    auth_jwt_issuer: str = Field(default="labor-inspection-idp", description="expected `iss`")
    auth_jwt_audience: str = Field(default="labor-inspection", description="expected `aud`")
    api_key_cache_seconds: float = Field(default=30.0, description="a revoked key works at most this long")

    field_encryption_keys: str = Field(
        default=json.dumps({"dev1": DEV_FIELD_KEY}),
        description='JSON map key id -> base64 AES-256 key, e.g. {"k2": "...", "k1": "..."}',
    )
    field_encryption_active_key: str = Field(default="dev1", description="key id new ciphertexts use")

    max_body_bytes: int = Field(default=1024 * 1024, description="larger bodies get 413")
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


# A service's own settings class, as the functions that build its app take it.
SettingsT = TypeVar("SettingsT", bound=ServiceSettings)
