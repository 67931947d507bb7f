"""Field encryption for personal data (个人信息加密): AES-256-GCM bound to its row and column.

A ciphertext reads `v1.<key id>.<base64 nonce|ciphertext>`; the associated data (e.g.
`complaints.phone:<id>`) stops a ciphertext being moved to another row or column. Rotation: add a
new key, make it active, re-encrypt rows whose key id is not the active one.
"""

from __future__ import annotations

import base64
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class DecryptionError(Exception):
    pass


class FieldCipher:
    def __init__(self, keys: dict[str, bytes], active: str) -> None:
        if active not in keys:
            raise ValueError(f"active key {active!r} is not among the configured keys")
        for kid, key in keys.items():
            if len(key) != 32:
                raise ValueError(f"key {kid!r} must be 32 bytes (AES-256)")
            if "." in kid:
                raise ValueError("key ids may not contain '.'")
        self._keys = {kid: AESGCM(key) for kid, key in keys.items()}
        self.active = active

    @classmethod
    def from_settings(cls, keys_json: str, active: str) -> FieldCipher:
        raw = json.loads(keys_json)
        return cls({kid: base64.b64decode(v) for kid, v in raw.items()}, active)

    def encrypt(self, plaintext: str, aad: str) -> str:
        nonce = os.urandom(12)
        sealed = self._keys[self.active].encrypt(nonce, plaintext.encode(), aad.encode())
        return f"v1.{self.active}.{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, aad: str) -> str:
        try:
            version, kid, blob = token.split(".", 2)
            raw = base64.b64decode(blob)
            if version != "v1" or kid not in self._keys:
                raise DecryptionError(f"unknown key {kid!r}")
            return self._keys[kid].decrypt(raw[:12], raw[12:], aad.encode()).decode()
        except (ValueError, InvalidTag) as exc:
            raise DecryptionError("ciphertext invalid or bound to another field") from exc

    @staticmethod
    def key_id(token: str) -> str:
        return token.split(".", 2)[1]

    def rotate(self, token: str, aad: str) -> str:
        """Re-encrypt under the active key (unchanged if it already is)."""
        if self.key_id(token) == self.active:
            return token
        return self.encrypt(self.decrypt(token, aad), aad)


def mask(value: str) -> str:
    """`张三` → `张*`, `13800138000` → `138******00`: enough to recognise, not to identify."""
    if len(value) <= 1:
        return "*" * len(value)
    if value.isdigit() and len(value) >= 7:
        return value[:3] + "*" * (len(value) - 5) + value[-2:]
    return value[:1] + "*" * (len(value) - 1)
