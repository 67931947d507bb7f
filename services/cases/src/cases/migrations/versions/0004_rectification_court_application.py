"""Orders to rectify within a time limit (the rectified path of R-CASE-1); the court-enforcement
application document (R-CASE-7).

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rectification_orders",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("number", sa.Text, nullable=False, unique=True),
        sa.Column("document_id", sa.Text, sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("items", JSONB, nullable=False),
        sa.Column("wages_to_pay", sa.Numeric(16, 2)),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("ordered_by", sa.Text, nullable=False),
        sa.Column("ordered_at", TZ, nullable=False),
        sa.Column("due_at", TZ, nullable=False),
        sa.Column("lapsed_at", TZ),
        sa.Column("complied_at", TZ),
        sa.Column("compliance_note", sa.Text),
        sa.Column("evidence_ids", JSONB, nullable=False, server_default="[]"),
        sa.Column("recorded_by", sa.Text),
    )
    op.create_index("ix_rectification_orders_case_id", "rectification_orders", ["case_id"])
    # One running order per case, whatever races: the second insert fails.
    op.create_index("uq_rectification_orders_running", "rectification_orders", ["case_id"],
                    unique=True, postgresql_where=sa.text("status = 'ordered'"))
    op.add_column("penalty_decisions", sa.Column("court_application_document_id", sa.Text,
                                                 sa.ForeignKey("documents.id")))


def downgrade() -> None:
    op.drop_column("penalty_decisions", "court_application_document_id")
    op.drop_table("rectification_orders")
