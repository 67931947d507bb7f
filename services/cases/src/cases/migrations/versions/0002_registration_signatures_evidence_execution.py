"""Registration forms (R-CASE-2), electronic signatures, hash-chained evidence (R-CASE-4, R-OVS-1),
hearings (R-CASE-5), payments and execution (R-CASE-6, R-CASE-7).

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op
from labor_runtime.migrations import append_only
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
MONEY = sa.Numeric(14, 2)


def upgrade() -> None:
    op.create_table(
        "registration_forms",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("document_id", sa.Text, sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("employer", JSONB, nullable=False),
        sa.Column("workers", JSONB, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("submitted_by", sa.Text, nullable=False),
        sa.Column("submitted_at", TZ, nullable=False),
        sa.Column("reviewed_by", sa.Text),
        sa.Column("reviewed_at", TZ),
        sa.Column("review_reason", sa.Text),
    )
    op.create_index("ix_registration_forms_case_id", "registration_forms", ["case_id"])
    op.create_index("registration_forms_one_live", "registration_forms", ["case_id"], unique=True,
                    postgresql_where=sa.text("status IN ('submitted', 'approved')"))

    # Development key store of the signers (to be replaced by the bureau's CA / HSM).
    op.create_table(
        "signing_keys",
        sa.Column("key_id", sa.Text, primary_key=True),
        sa.Column("signer", sa.Text, nullable=False, unique=True),
        sa.Column("public_key", sa.Text, nullable=False),
        sa.Column("private_key", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "document_signatures",
        sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("document_id", sa.Text, sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("signer", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("key_id", sa.Text, nullable=False),
        sa.Column("public_key", sa.Text, nullable=False),
        sa.Column("algorithm", sa.Text, nullable=False),
        sa.Column("signature", sa.Text, nullable=False),
        sa.Column("signed_at", TZ, nullable=False),
    )
    op.create_index("ix_document_signatures_document_id", "document_signatures", ["document_id"])

    op.create_table(
        "evidence_items",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("content_sha256", sa.Text, nullable=False),
        sa.Column("collected_by", sa.Text, nullable=False),
        sa.Column("collected_at", TZ, nullable=False),
        sa.Column("prev_hash", sa.Text, nullable=False),
        sa.Column("row_hash", sa.Text, nullable=False),
        sa.UniqueConstraint("case_id", "position", name="evidence_items_case_position"),
    )

    op.create_table(
        "hearings",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, sa.ForeignKey("cases.id"), nullable=False, unique=True),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("requested_by", sa.Text, nullable=False),
        sa.Column("request_note", sa.Text, nullable=False, server_default=""),
        sa.Column("hold_by", TZ, nullable=False),
        sa.Column("held_at", TZ),
        sa.Column("record_document_id", sa.Text, sa.ForeignKey("documents.id")),
    )
    op.add_column("penalty_decisions", sa.Column("hearing_id", sa.Text))
    op.add_column("penalty_decisions", sa.Column("reminder_document_id", sa.Text))
    op.add_column("penalty_decisions", sa.Column("paid_in_full_at", TZ))
    op.add_column("penalty_decisions", sa.Column("court_enforcement_at", TZ))

    op.create_table(
        "payments",
        sa.Column("reference", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("decision_number", sa.Text, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("payer", sa.Text, nullable=False, server_default=""),
        sa.Column("imported_by", sa.Text, nullable=False),
        sa.Column("imported_at", TZ, nullable=False),
    )
    op.create_index("ix_payments_case_id", "payments", ["case_id"])

    # Signatures, evidence and payments are never altered (R-OVS-1).
    for table in ("document_signatures", "evidence_items", "payments"):
        for statement in append_only(table).split("\n"):
            op.execute(statement)


def downgrade() -> None:
    for column in ("court_enforcement_at", "paid_in_full_at", "reminder_document_id", "hearing_id"):
        op.drop_column("penalty_decisions", column)
    for table in ("payments", "hearings", "evidence_items", "document_signatures", "signing_keys",
                  "registration_forms"):
        op.drop_table(table)
