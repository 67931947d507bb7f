"""Intake settings: every deadline and threshold of R-INT-* with its DOMAIN.md default."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from labor_runtime.runtime import Runtime
from labor_runtime.settings import ServiceSettings
from pydantic import Field, SecretStr, field_validator, model_validator

from intake.materials.rules import is_safe_key

MIB = 1024 * 1024


class IntakeSettings(ServiceSettings):
    service_name: ClassVar[str] = "intake"
    default_port: ClassVar[int] = 8001

    assignment_within_hours: float = Field(default=1, description="R-INT-3 assign a handler")
    phone_confirmation_within_hours: float = Field(default=24, description="R-INT-3 phone the worker")
    registration_answer_within_days: int = Field(
        default=7, description="R-INT-3 tell the worker whether a case is registered (met when "
        "told: the channel took the answer or staff told them; a decision alone is not telling)")
    registration_answer_told_at: Literal["delivery", "issue"] = Field(
        default="delivery", description="when the R-INT-3 answer counts as told: `delivery` (the "
        "filing channel took it, or staff told the worker) or `issue` (when intake issues it). "
        "`issue` only while notify does not yet report notice outcomes, so that intake can be "
        "deployed first")
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
        default=1200, ge=1, description="R-INT-1 requests (batch items count one each) each API "
        "client of a channel may send per fixed minute, counted in intake's database: the whole "
        "fleet (every replica and process) allows this many, not one quota per process")
    channel_rate_limits: dict[str, int] = Field(
        default_factory=dict, description="R-INT-1 per-channel override of the limit per minute, "
        "e.g. {\"wechat_miniprogram\": 6000}")

    # R-INT-5 offline batches --------------------------------------------------------------------
    batch_max_items: int = Field(default=50, ge=1, le=500,
                                 description="R-INT-5 items one offline batch may carry")

    # R-INT-2 materials --------------------------------------------------------------------------
    material_storage: Literal["local", "s3"] = Field(
        default="local", description="R-INT-2 where uploaded evidence is stored: local disk, or "
        "an S3-compatible object store (AWS S3, MinIO, Ceph RGW, Alibaba OSS)")
    material_storage_dir: Path = Field(default=Path("var/intake/materials"),
                                       description="R-INT-2 directory of the local-disk store")
    material_storage_s3_endpoint_url: str | None = Field(
        default=None, description="R-INT-2 S3 API URL, e.g. http://minio:9000; unset means AWS")
    material_storage_s3_region: str = Field(
        default="us-east-1", description="R-INT-2 region the requests are signed for")
    material_storage_s3_bucket: str = Field(default="", description="R-INT-2 bucket (s3 needs one)")
    material_storage_s3_prefix: str = Field(
        default="", description="R-INT-2 key prefix inside the bucket, e.g. intake/materials")
    material_storage_s3_access_key_id: SecretStr | None = Field(
        default=None, description="R-INT-2 access key id (with the secret, or neither)")
    material_storage_s3_secret_access_key: SecretStr | None = Field(
        default=None, description="R-INT-2 secret access key")
    material_storage_s3_default_credentials: bool = Field(
        default=False, description="R-INT-2 take credentials from the SDK's default chain (AWS_* "
        "variables, shared config, instance or pod role); production needs this or the two keys")
    material_storage_s3_addressing_style: Literal["auto", "path", "virtual"] = Field(
        default="auto", description="R-INT-2 'path' for MinIO and Ceph RGW, 'virtual' for OSS")
    material_storage_s3_server_side_encryption: Literal["AES256", "aws:kms", "aws:kms:dsse"] | None = (
        Field(default=None, description="R-INT-2 encryption at rest the store applies to each object "
              "(evidence is personal data); unset sends none, the bucket's default applies"))
    material_storage_s3_kms_key_id: str | None = Field(
        default=None, description="R-INT-2 KMS key for aws:kms; unset uses the store's default key")
    material_storage_s3_connect_timeout_seconds: float = Field(
        default=5, gt=0, description="R-INT-2 connecting to the object store")
    material_storage_s3_read_timeout_seconds: float = Field(
        default=30, gt=0, description="R-INT-2 waiting for the object store's answer")
    material_storage_s3_max_attempts: int = Field(
        default=3, ge=1, le=10, description="R-INT-2 tries of one request (the SDK's standard retries)")
    material_storage_s3_max_connections: int = Field(
        default=10, ge=1, le=100, description="R-INT-2 concurrent requests to the object store")
    material_max_bytes: int = Field(default=10 * MIB, ge=1,
                                    description="R-INT-2 largest evidence file, bytes (decoded)")
    material_max_per_complaint: int = Field(
        default=50, ge=1, description="R-INT-2 files one complaint may hold (uploads need only the "
        "tracking code, so this bounds what one code can store)")
    material_content_types: list[str] = Field(
        default_factory=lambda: ["image/jpeg", "image/png", "application/pdf"],
        description="R-INT-2 content types accepted as evidence")

    @field_validator("material_storage_s3_endpoint_url", "material_storage_s3_kms_key_id",
                     "material_storage_s3_access_key_id", "material_storage_s3_secret_access_key",
                     "material_storage_s3_server_side_encryption", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """An empty variable (compose `${VAR:-}`, an empty ConfigMap value) means not set."""
        return None if value == "" else value

    @field_validator("material_storage_s3_prefix")
    @classmethod
    def _safe_prefix(cls, value: str) -> str:
        prefix = value.strip("/")
        if prefix and not is_safe_key(prefix):
            raise ValueError("a key prefix is slash-separated names of A-Z a-z 0-9 . _ - (no '..')")
        return prefix

    @model_validator(mode="after")
    def _coherent_material_storage(self) -> IntakeSettings:
        if self.material_storage != "s3":
            return self
        if not self.material_storage_s3_bucket:
            raise ValueError("MATERIAL_STORAGE=s3 needs MATERIAL_STORAGE_S3_BUCKET")
        url = self.material_storage_s3_endpoint_url
        if url is not None and not url.startswith(("http://", "https://")):
            raise ValueError("MATERIAL_STORAGE_S3_ENDPOINT_URL must be an http(s) URL")
        keys = (self.material_storage_s3_access_key_id, self.material_storage_s3_secret_access_key)
        if (keys[0] is None) != (keys[1] is None):
            raise ValueError("set both MATERIAL_STORAGE_S3_ACCESS_KEY_ID and "
                             "MATERIAL_STORAGE_S3_SECRET_ACCESS_KEY, or neither")
        if keys[0] is not None and self.material_storage_s3_default_credentials:
            raise ValueError("MATERIAL_STORAGE_S3_DEFAULT_CREDENTIALS excludes the two keys")
        if (self.environment == "production" and keys[0] is None
                and not self.material_storage_s3_default_credentials):
            raise ValueError("production needs the object store's credentials: the two "
                             "MATERIAL_STORAGE_S3_* keys, or MATERIAL_STORAGE_S3_DEFAULT_CREDENTIALS")
        if (self.material_storage_s3_kms_key_id is not None
                and not (self.material_storage_s3_server_side_encryption or "").startswith("aws:kms")):
            raise ValueError("MATERIAL_STORAGE_S3_KMS_KEY_ID needs server-side encryption aws:kms")
        return self

    @property
    def material_body_bytes(self) -> int:
        """Body limit of the upload route: files arrive base64 in JSON (4/3 of the file)."""
        return (self.material_max_bytes + 2) // 3 * 4 + 64 * 1024


# The runtime of this service: its `settings` are IntakeSettings.
IntakeRuntime = Runtime[IntakeSettings]
