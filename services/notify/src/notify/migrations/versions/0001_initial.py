"""Runtime tables, documents, deliveries and delivery attempts.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op
from labor_runtime.migrations import append_only, runtime_v1_statements
from sqlalchemy.dialects import postgresql as pg

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in runtime_v1_statements():
        op.execute(statement)
    op.create_table(
        "documents",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("verify_url", sa.Text, nullable=False),
        sa.Column("recipient", pg.JSONB, nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_event_id", sa.Text, nullable=False),
    )
    op.create_index("documents_case_id", "documents", ["case_id"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("document_id", sa.Text, sa.ForeignKey("documents.id"), nullable=False, unique=True),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("plan", pg.JSONB, nullable=False),
        sa.Column("skipped", pg.JSONB, nullable=False),
        sa.Column("message_id", sa.Text, nullable=False),
        sa.Column("rounds", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("served_at", sa.DateTime(timezone=True)),
        sa.Column("served_channel", sa.Text),
        sa.Column("served_address", sa.Text),
        sa.Column("reply_code", sa.Integer),
        sa.Column("reply_text", sa.Text),
        sa.Column("proof", sa.Text),
        sa.Column("failed_at", sa.DateTime(timezone=True)),
        sa.Column("failure_reason", sa.Text),
    )
    op.create_index("deliveries_case_id", "deliveries", ["case_id"])
    op.create_index("deliveries_due", "deliveries", ["next_attempt_at"],
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("delivery_id", sa.Text, sa.ForeignKey("deliveries.id"), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("reply_code", sa.Integer),
        sa.Column("reply_text", sa.Text, nullable=False),
    )
    op.create_index("delivery_attempts_delivery_id", "delivery_attempts", ["delivery_id"])
    for table in ("documents", "delivery_attempts"):
        for statement in append_only(table).split("\n"):
            op.execute(statement)


def downgrade() -> None:
    op.drop_table("delivery_attempts")
    op.drop_table("deliveries")
    op.drop_table("documents")
