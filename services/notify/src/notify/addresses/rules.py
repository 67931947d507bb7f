"""Pure rules of delivery-address confirmations (送达地址确认书): electronic service only with the
party's written consent, on the channels and addresses it names (R-DLV-2, R-DLV-3)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum


class ConfirmationMethod(StrEnum):
    MOBILE_SIGNATURE = "mobile_signature"  # signed by the party on the inspector's mobile form
    SCAN = "scan"  # the paper confirmation, signed and sealed, uploaded as a scan


class SignatoryCapacity(StrEnum):
    LEGAL_REPRESENTATIVE = "legal_representative"
    AUTHORISED_AGENT = "authorised_agent"  # with a power of attorney (授权委托书)


# What each method's artefact may be, recognised by its first bytes (never by the declared type).
_MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff", "application/pdf": b"%PDF-"}
ARTEFACT_TYPES: Mapping[ConfirmationMethod, frozenset[str]] = {
    ConfirmationMethod.MOBILE_SIGNATURE: frozenset({"image/png"}),
    ConfirmationMethod.SCAN: frozenset({"application/pdf", "image/jpeg", "image/png"}),
}


def artefact_problem(method: ConfirmationMethod, content_type: str, content: bytes) -> str | None:
    """Why the signed artefact cannot be kept as the confirmation's evidence, or None."""
    allowed = ARTEFACT_TYPES[method]
    if content_type not in allowed:
        return f"a {method} confirmation is kept as {' or '.join(sorted(allowed))}, not {content_type}"
    if not content:
        return "the artefact is empty"
    if not content.startswith(_MAGIC[content_type]):
        return f"the artefact is not a {content_type} file"
    return None


def duplicate_channels(channels: Iterable[str]) -> list[str]:
    """Channels named more than once: a confirmation gives one address per channel."""
    seen: set[str] = set()
    twice: list[str] = []
    for channel in channels:
        if channel in seen and channel not in twice:
            twice.append(channel)
        seen.add(channel)
    return twice
