"""Inspection leads opened by credit's early warnings (R-CRD-3) and deposit findings (R-CRD-6).

Revision ID: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inspection_leads",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("source_event_id", sa.Text, nullable=False, unique=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("ref", sa.Text, nullable=False),
        sa.Column("credit_code", sa.Text, nullable=False),
        sa.Column("employer_name", sa.Text, nullable=False),
        sa.Column("district", sa.Text),
        sa.Column("grid", sa.Text),
        sa.Column("level", sa.Text),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("opened_at", AT, nullable=False),
        sa.Column("state", sa.Text, nullable=False, server_default="open"),
        sa.Column("taken_by", sa.Text),
        sa.Column("dismissed_by", sa.Text),
        sa.Column("decided_at", AT),
        sa.Column("reason", sa.Text),
        sa.UniqueConstraint("kind", "ref"),
        sa.CheckConstraint("kind IN ('warning', 'deposit')"),
        sa.CheckConstraint("state IN ('open', 'taken', 'dismissed')"),
    )
    op.create_index("inspection_leads_by_district", "inspection_leads",
                    ["district", "state", "opened_at"])


def downgrade() -> None:
    op.drop_table("inspection_leads")
