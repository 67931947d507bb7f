"""R-INT-2 evidence stores: local disk and S3 keep the same contract; S3 against a real local S3
server (moto's, over HTTP), never a patched client."""

from __future__ import annotations

import base64
import hashlib
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import sqlalchemy as sa
from botocore.exceptions import ClientError
from intake.materials.rules import is_safe_key
from intake.materials.storage import LocalDiskStore, MaterialStore, S3Store, StoreUnavailable
from intake.settings import IntakeSettings
from moto.server import ThreadedMotoServer
from pydantic import ValidationError

from .conftest import start_intake
from .test_materials import PNG, _incomplete, upload

CREDENTIALS = {"aws_access_key_id": "intake-test", "aws_secret_access_key": "intake-test-secret"}
UNSAFE_KEYS = ["", "/abs", "a//b", "../escape", "a/../b", "a/..", "a b", "a\\b", "é/x", "a/", "a?b"]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A real S3 protocol server on a free local port."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str) -> Any:  # boto3 clients are untyped
    return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name="us-east-1",
                                          **CREDENTIALS)


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    name = f"evidence-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=name)
    return name


def s3_settings(endpoint: str, bucket: str, **overrides: object) -> dict[str, object]:
    return {"material_storage": "s3", "material_storage_s3_endpoint_url": endpoint,
            "material_storage_s3_bucket": bucket, "material_storage_s3_addressing_style": "path",
            "material_storage_s3_access_key_id": CREDENTIALS["aws_access_key_id"],
            "material_storage_s3_secret_access_key": CREDENTIALS["aws_secret_access_key"],
            **overrides}


@pytest.fixture(params=["local", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MaterialStore]:
    built: MaterialStore
    if request.param == "local":
        built = LocalDiskStore(tmp_path / "materials")
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = request.getfixturevalue("bucket")
        built = S3Store.from_settings(IntakeSettings(**s3_settings(endpoint, bucket)))
    try:
        yield built
    finally:
        await built.close()


# --- the contract both stores keep ----------------------------------------------------------------

async def test_r_int_2_store_round_trip(store: MaterialStore) -> None:
    await store.put("c-1/aa11", PNG, "image/png")
    await store.put("c-1/bb22", b"%PDF-1.7 other", "application/pdf")
    assert await store.get("c-1/aa11") == PNG
    assert await store.get("c-1/bb22") == b"%PDF-1.7 other"


async def test_r_int_2_store_put_again_is_harmless(store: MaterialStore) -> None:
    await store.put("c-1/aa11", PNG, "image/png")
    await store.put("c-1/aa11", PNG, "image/png")
    assert await store.get("c-1/aa11") == PNG


async def test_r_int_2_store_missing_key_is_file_not_found(store: MaterialStore) -> None:
    with pytest.raises(FileNotFoundError):
        await store.get("c-1/never-stored")


async def test_r_int_2_store_refuses_unsafe_keys(store: MaterialStore) -> None:
    for key in UNSAFE_KEYS:
        with pytest.raises(ValueError, match="unsafe storage key"):
            await store.put(key, PNG, "image/png")
        with pytest.raises(ValueError, match="unsafe storage key"):
            await store.get(key)


def test_r_int_2_safe_keys_are_plain_names() -> None:
    assert is_safe_key("0f8e-uuid/" + "ab" * 32) and is_safe_key("a.b_c-d/e")
    assert not any(is_safe_key(key) for key in UNSAFE_KEYS)


# --- S3 specifics ---------------------------------------------------------------------------------

async def test_r_int_2_s3_objects_live_under_the_prefix(s3_endpoint: str, bucket: str) -> None:
    store = S3Store.from_settings(IntakeSettings(**s3_settings(
        s3_endpoint, bucket, material_storage_s3_prefix="/intake/materials/")))
    try:
        await store.put("c-1/aa11", PNG, "image/png")
    finally:
        await store.close()
    listed = s3_client(s3_endpoint).list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == ["intake/materials/c-1/aa11"]


async def test_r_int_2_s3_missing_bucket_is_not_a_missing_material(s3_endpoint: str) -> None:
    store = S3Store.from_settings(IntakeSettings(**s3_settings(s3_endpoint, "no-such-bucket-here")))
    try:
        with pytest.raises(ClientError) as raised:
            await store.get("c-1/aa11")
    finally:
        await store.close()
    assert not isinstance(raised.value, FileNotFoundError)
    assert raised.value.response["Error"]["Code"] == "NoSuchBucket"


@pytest.fixture
def refusing_endpoint() -> Iterator[str]:
    """A port that is bound but not listening: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


async def test_r_int_2_s3_unreachable_store_is_unavailable(refusing_endpoint: str) -> None:
    store = S3Store.from_settings(IntakeSettings(**s3_settings(
        refusing_endpoint, "evidence", material_storage_s3_max_attempts=1)))
    try:
        with pytest.raises(StoreUnavailable):
            await store.put("c-1/aa11", PNG, "image/png")
    finally:
        await store.close()


# --- settings -------------------------------------------------------------------------------------

PRODUCTION = {"environment": "production", "auth_jwt_key": "k" * 48,
              "field_encryption_keys": '{"k1": "' + base64.b64encode(b"p" * 32).decode() + '"}',
              "field_encryption_active_key": "k1"}


def test_r_int_2_s3_settings_are_coherent() -> None:
    with pytest.raises(ValidationError, match="needs MATERIAL_STORAGE_S3_BUCKET"):
        IntakeSettings(material_storage="s3")
    with pytest.raises(ValidationError, match="or neither"):
        IntakeSettings(material_storage="s3", material_storage_s3_bucket="b",
                       material_storage_s3_access_key_id="id-only")
    with pytest.raises(ValidationError, match="http"):
        IntakeSettings(material_storage="s3", material_storage_s3_bucket="b",
                       material_storage_s3_endpoint_url="minio:9000")
    with pytest.raises(ValidationError, match="aws:kms"):
        IntakeSettings(material_storage="s3", material_storage_s3_bucket="b",
                       material_storage_s3_server_side_encryption="AES256",
                       material_storage_s3_kms_key_id="alias/evidence")
    with pytest.raises(ValidationError, match="key prefix"):
        IntakeSettings(material_storage_s3_prefix="a/../b")
    blank = IntakeSettings(material_storage="s3", material_storage_s3_bucket="b",
                           material_storage_s3_endpoint_url="", material_storage_s3_access_key_id="",
                           material_storage_s3_secret_access_key="",
                           material_storage_s3_server_side_encryption="",
                           material_storage_s3_prefix="/evidence/")
    assert blank.material_storage_s3_endpoint_url is None  # compose's ${VAR:-} means unset
    assert blank.material_storage_s3_access_key_id is None
    assert blank.material_storage_s3_server_side_encryption is None
    assert blank.material_storage_s3_prefix == "evidence"
    assert IntakeSettings().material_storage == "local"  # bucket and keys matter only for s3


def test_r_int_2_production_refuses_s3_without_credentials() -> None:
    with pytest.raises(ValidationError, match="production needs the object store's credentials"):
        IntakeSettings(**PRODUCTION, material_storage="s3", material_storage_s3_bucket="b")
    chain = IntakeSettings(**PRODUCTION, material_storage="s3", material_storage_s3_bucket="b",
                           material_storage_s3_default_credentials=True)
    assert chain.material_storage_s3_access_key_id is None
    keys = IntakeSettings(**PRODUCTION, material_storage="s3", material_storage_s3_bucket="b",
                          material_storage_s3_access_key_id="AKIA-ID",
                          material_storage_s3_secret_access_key="secret-value")
    assert "secret-value" not in repr(keys) and "AKIA-ID" not in repr(keys)
    with pytest.raises(ValidationError, match="excludes"):
        IntakeSettings(**PRODUCTION, material_storage="s3", material_storage_s3_bucket="b",
                       material_storage_s3_default_credentials=True,
                       material_storage_s3_access_key_id="AKIA", material_storage_s3_secret_access_key="s")


# --- through the running service ------------------------------------------------------------------

@pytest.mark.integration
async def test_r_int_2_upload_lands_in_s3_encrypted(infrastructure, bus_prefix, tmp_path, s3_endpoint,
                                                    bucket) -> None:
    async with start_intake(infrastructure, bus_prefix, tmp_path, **s3_settings(
            s3_endpoint, bucket, material_storage_s3_prefix="evidence",
            material_storage_s3_server_side_encryption="AES256")) as intake:
        receipt = await _incomplete(intake)
        response = await intake.client.post(f"/v1/complaints/{receipt['tracking_code']}/materials",
                                            json=upload("identity_proof", PNG, "image/png"))
        assert response.status_code == 201, response.text
        store = intake.app.state.material_store
        assert isinstance(store, S3Store)
    sha256 = hashlib.sha256(PNG)
    stored = s3_client(s3_endpoint).get_object(
        Bucket=bucket, Key=f"evidence/{receipt['complaint_id']}/{sha256.hexdigest()}",
        ChecksumMode="ENABLED")
    assert stored["Body"].read() == PNG
    assert stored["ServerSideEncryption"] == "AES256"
    assert stored["ContentType"] == "image/png"
    assert stored["ChecksumSHA256"] == base64.b64encode(sha256.digest()).decode()
    assert not (tmp_path / "materials").exists()
    with pytest.raises(RuntimeError):  # closed with the service
        await store.put("c-1/aa11", PNG, "image/png")


@pytest.mark.integration
async def test_r_int_2_unreachable_store_answers_503(infrastructure, bus_prefix, tmp_path,
                                                    refusing_endpoint) -> None:
    async with start_intake(infrastructure, bus_prefix, tmp_path, **s3_settings(
            refusing_endpoint, "evidence", material_storage_s3_max_attempts=1)) as intake:
        receipt = await _incomplete(intake)
        response = await intake.client.post(f"/v1/complaints/{receipt['tracking_code']}/materials",
                                            json=upload("identity_proof", PNG, "image/png"))
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["Retry-After"] == "2"
        async with intake.runtime.engine.connect() as conn:
            assert (await conn.execute(sa.text("SELECT count(*) FROM materials"))).scalar_one() == 0
