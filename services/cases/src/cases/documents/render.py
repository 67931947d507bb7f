"""Cases' documents through the shared renderer (labor_runtime.rendering), with cases as the
PDF's creator: the bytes are the ones cases has always issued (R-DLV-4, R-CASE-6)."""

from __future__ import annotations

from labor_runtime import rendering
from labor_runtime.rendering import DocumentContent, qr_png

__all__ = ["qr_png", "render_pdf"]  # qr_png: the tests re-create a QR code from here

CREATOR = "labor-inspection cases service"


def render_pdf(content: DocumentContent) -> bytes:
    """Render the document once; the bytes returned are what is stored, hashed and served."""
    return rendering.render_pdf(content, creator=CREATOR)
