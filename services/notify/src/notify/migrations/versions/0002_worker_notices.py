"""Notices to the worker through the filing channel (R-INT-2, R-INT-3).

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_notices",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("complaint_id", sa.Text, nullable=False),
        sa.Column("tracking_code", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("source_event_id", sa.Text, nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("last_status_code", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.Column("receipt_status", sa.Integer),
        sa.Column("receipt_sha256", sa.Text),
        sa.Column("receipt_excerpt", sa.Text),
        sa.Column("failed_at", sa.DateTime(timezone=True)),
        sa.Column("failure_reason", sa.Text),
        sa.UniqueConstraint("complaint_id", "kind", "source_event_id", name="worker_notices_once"),
    )
    op.create_index("worker_notices_complaint_id", "worker_notices", ["complaint_id"])
    op.create_index("worker_notices_due", "worker_notices", ["next_attempt_at"],
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index("worker_notices_by_status", "worker_notices",
                    ["status", "channel", sa.text("created_at DESC")])


def downgrade() -> None:
    op.drop_table("worker_notices")
