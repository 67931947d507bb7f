"""Where evidence bytes live (R-INT-2): one small interface, two stores behind it.

- `LocalDiskStore` (`MATERIAL_STORAGE=local`, the default): files under one directory.
- `S3Store` (`MATERIAL_STORAGE=s3`): one bucket of an S3-compatible object store (AWS S3, MinIO,
  Ceph RGW, Alibaba OSS in S3 mode) through boto3, whose blocking calls run on the store's own
  threads (one per pooled connection) so that slow uploads never starve `asyncio.to_thread`.

Both accept only keys of `rules.is_safe_key` (`ValueError` otherwise), are content-addressed (a put
of a key again stores the same bytes again: harmless) and raise `FileNotFoundError` for a key that
holds nothing. An object store that cannot be reached raises `StoreUnavailable` (the upload answers
503; a retry is answered once, as every upload is).
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import errno
import functools
import hashlib
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from intake.materials.rules import is_safe_key
from intake.settings import IntakeSettings

T = TypeVar("T")

# S3 error codes that mean "not now" rather than "never" (the SDK has retried them already)
_BUSY = {"SlowDown", "ServiceUnavailable", "RequestTimeout", "InternalError"}


class StoreUnavailable(Exception):
    """The store cannot be reached or is overloaded now; the same call may succeed later."""


class MaterialStore(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`; storing the same key again is harmless (content-addressed)."""

    async def get(self, key: str) -> bytes:
        """The bytes under `key`; `FileNotFoundError` when nothing is stored there."""

    async def close(self) -> None:
        """Release connections and threads (at shutdown)."""


def checked_key(key: str) -> str:
    if not is_safe_key(key):
        raise ValueError(f"unsafe storage key {key!r}")
    return key


def open_store(settings: IntakeSettings) -> MaterialStore:
    """The store `MATERIAL_STORAGE` names."""
    if settings.material_storage == "s3":
        return S3Store.from_settings(settings)
    return LocalDiskStore(settings.material_storage_dir)


class LocalDiskStore:
    """Files under one directory, written atomically (temporary file, fsync, rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / checked_key(key)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def close(self) -> None:
        """Nothing held open between calls."""

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class S3Store:
    """Objects in one bucket, under an optional key prefix.

    A put sends the Content-Type, the SHA-256 of the bytes twice (as the signed payload hash, which
    every SigV4 store checks, and as `x-amz-checksum-sha256`, which stores that know flexible
    checksums check and keep), and the server-side encryption when one is configured. A get asks for
    the kept checksum back, and the SDK verifies the bytes against it when the store returns one.
    """

    def __init__(self, client: Any, bucket: str, *, prefix: str = "",
                 server_side_encryption: str | None = None, kms_key_id: str | None = None,
                 max_connections: int = 10) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = checked_key(prefix.strip("/")) + "/" if prefix.strip("/") else ""
        self.encryption: dict[str, str] = {}
        if server_side_encryption:
            self.encryption["ServerSideEncryption"] = server_side_encryption
        if kms_key_id:
            self.encryption["SSEKMSKeyId"] = kms_key_id
        self._threads = ThreadPoolExecutor(max_workers=max_connections,
                                           thread_name_prefix="material-store")

    @classmethod
    def from_settings(cls, settings: IntakeSettings) -> S3Store:
        config = Config(
            region_name=settings.material_storage_s3_region,
            signature_version="s3v4",
            connect_timeout=settings.material_storage_s3_connect_timeout_seconds,
            read_timeout=settings.material_storage_s3_read_timeout_seconds,
            retries={"max_attempts": settings.material_storage_s3_max_attempts, "mode": "standard"},
            max_pool_connections=settings.material_storage_s3_max_connections,
            s3={"addressing_style": settings.material_storage_s3_addressing_style,
                "payload_signing_enabled": True},
            # checksums only where the operation needs one or we send our own: the SDK's default
            # (a CRC32 trailer in aws-chunked encoding) is refused by several S3-compatible stores
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        key_id, secret = (settings.material_storage_s3_access_key_id,
                          settings.material_storage_s3_secret_access_key)
        client = boto3.session.Session().client(
            "s3", endpoint_url=settings.material_storage_s3_endpoint_url, config=config,
            # None: the SDK's default chain (AWS_* variables, shared config, instance/pod role)
            aws_access_key_id=key_id.get_secret_value() if key_id else None,
            aws_secret_access_key=secret.get_secret_value() if secret else None)
        return cls(client, settings.material_storage_s3_bucket,
                   prefix=settings.material_storage_s3_prefix,
                   server_side_encryption=settings.material_storage_s3_server_side_encryption,
                   kms_key_id=settings.material_storage_s3_kms_key_id,
                   max_connections=settings.material_storage_s3_max_connections)

    def object_key(self, key: str) -> str:
        return self.prefix + checked_key(key)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await self._run(self._put, self.object_key(key), data, content_type)

    async def get(self, key: str) -> bytes:
        return await self._run(self._get, self.object_key(key))

    async def close(self) -> None:
        await asyncio.to_thread(self._threads.shutdown, wait=True)
        self.client.close()

    def _put(self, object_key: str, data: bytes, content_type: str) -> None:
        sha256 = base64.b64encode(hashlib.sha256(data).digest()).decode()
        self.client.put_object(Bucket=self.bucket, Key=object_key, Body=data,
                               ContentType=content_type, ChecksumAlgorithm="SHA256",
                               ChecksumSHA256=sha256, **self.encryption)

    def _get(self, object_key: str) -> bytes:
        response = self.client.get_object(Bucket=self.bucket, Key=object_key, ChecksumMode="ENABLED")
        body = response["Body"]
        try:
            data: bytes = body.read()
        finally:
            body.close()
        return data

    async def _run(self, call: Callable[..., T], object_key: str, *args: Any) -> T:
        """`call` on the store's threads (with this task's context), S3 errors as ours."""
        bound = functools.partial(contextvars.copy_context().run, call, object_key, *args)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._threads, bound)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if error.get("Code") == "NoSuchKey":
                raise FileNotFoundError(errno.ENOENT, "no stored material", object_key) from exc
            if status >= 500 or error.get("Code") in _BUSY:
                raise StoreUnavailable(f"object store answered {error.get('Code')}") from exc
            raise
        except (BotoConnectionError, HTTPClientError) as exc:
            raise StoreUnavailable(f"object store unreachable: {type(exc).__name__}") from exc
