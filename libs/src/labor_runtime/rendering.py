"""PDF rendering of legal documents, with the QR code that verifies them online (R-DLV-4).

One renderer for every service that issues documents (cases' decisions, notify's correction
notices). Rendering is deterministic (reportlab's invariant mode): the same content gives the same
bytes. Chinese text uses the standard CID font STSong-Light, which PDF readers supply; nothing is
embedded, so no service needs font files.

reportlab: https://www.reportlab.com/docs/reportlab-userguide.pdf (3.6 Asian font support;
`invariant` for reproducible output). qrcode: https://pypi.org/project/qrcode/ (the `QRCode` class,
`error_correction`, `box_size`, `border`, `make(fit=True)`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

QR_BOX_SIZE = 4
QR_BORDER = 4


@dataclass(frozen=True)
class Party:
    """The party (当事人) a document is addressed to."""

    name: str
    credit_code: str | None = None
    legal_representative: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class DocumentContent:
    authority: str
    title: str
    number: str
    case_number: str
    party: Party
    paragraphs: list[str]
    issued_on: date
    document_id: str
    verify_url: str
    signatory_line: str = "（电子签章）"
    addressee: str | None = None  # 致: the body a filing goes to (a court), printed first
    party_label: str = "当事人"
    case_number_label: str = "案号"  # a complaint's notice names its tracking code (查询码) instead


def qr_png(url: str) -> bytes:
    """The QR code image (PNG) of `url`; tests re-create it to prove what the PDF's code says."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=QR_BOX_SIZE, border=QR_BORDER)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=12, leading=20, wordWrap="CJK",
                          firstLineIndent=24)
    return {
        "authority": ParagraphStyle("authority", parent=base, fontSize=16, leading=24,
                                    alignment=TA_CENTER, firstLineIndent=0),
        "title": ParagraphStyle("title", parent=base, fontSize=22, leading=32, alignment=TA_CENTER,
                                firstLineIndent=0, spaceAfter=4),
        "number": ParagraphStyle("number", parent=base, alignment=TA_RIGHT, firstLineIndent=0,
                                 spaceAfter=10),
        "party": ParagraphStyle("party", parent=base, firstLineIndent=0),
        "body": base,
        "sign": ParagraphStyle("sign", parent=base, alignment=TA_RIGHT, firstLineIndent=0),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11, firstLineIndent=0,
                                wordWrap="CJK"),
    }


def render_pdf(content: DocumentContent, *, creator: str) -> bytes:
    """Render the document once; the bytes returned are what is stored, hashed and served.

    `creator`: the issuing service, kept in the PDF's metadata."""
    styles = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm, topMargin=25 * mm,
        bottomMargin=20 * mm, title=f"{content.title} {content.number}", author=content.authority,
        subject=content.case_number, creator=creator, invariant=1)
    party = content.party
    party_lines = [f"致：{content.addressee}"] if content.addressee else []
    party_lines.append(f"{content.party_label}：{party.name}")
    if party.credit_code:
        party_lines.append(f"统一社会信用代码：{party.credit_code}")
    if party.legal_representative:
        party_lines.append(f"法定代表人：{party.legal_representative}")
    if party.address:
        party_lines.append(f"地址：{party.address}")
    story: list[object] = [
        Paragraph(escape(content.authority), styles["authority"]),
        Paragraph(escape(content.title), styles["title"]),
        Paragraph(escape(content.number), styles["number"]),
        *[Paragraph(escape(line), styles["party"]) for line in party_lines],
        Paragraph(escape(f"{content.case_number_label}：{content.case_number}"), styles["party"]),
        Spacer(1, 6 * mm),
        *[Paragraph(escape(text), styles["body"]) for text in content.paragraphs],
        Spacer(1, 10 * mm),
        Paragraph(escape(content.authority), styles["sign"]),
        Paragraph(escape(content.signatory_line), styles["sign"]),
        Paragraph(escape(chinese_date(content.issued_on)), styles["sign"]),
        Spacer(1, 8 * mm),
    ]
    qr_size = 32 * mm
    qr_image = Image(io.BytesIO(qr_png(content.verify_url)), width=qr_size,
                     height=qr_size)
    verification = Paragraph(
        escape("扫描二维码核验本文书真伪（Scan to verify this document）") + "<br/>"
        + escape(f"文书编号：{content.number}") + "<br/>"
        + escape(f"文书标识：{content.document_id}") + "<br/>"
        + escape(f"核验地址：{content.verify_url}"), styles["small"])
    table = Table([[qr_image, verification]], colWidths=[qr_size + 4 * mm, None])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story.append(table)
    doc.build(story)
    return buffer.getvalue()
