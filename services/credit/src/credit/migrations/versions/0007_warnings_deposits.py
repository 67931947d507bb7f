"""Early warnings raised once per cause and period (R-CRD-3); wage guarantee deposits with their
replacements and the findings of projects without one (R-CRD-6).

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "wage_warnings",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("credit_code", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("cause", sa.Text, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("evidence", JSONB, nullable=False, server_default="[]"),
        sa.Column("raised_at", AT, nullable=False),
        sa.Column("cleared_at", AT),
        sa.Column("cleared_reason", sa.Text),
        sa.UniqueConstraint("credit_code", "cause", "period"),
    )
    op.create_index("wage_warnings_open", "wage_warnings", ["credit_code"],
                    postgresql_where=sa.text("cleared_at IS NULL"))
    op.create_table(
        "wage_deposits",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("project_id", sa.Text, nullable=False, index=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("amount", sa.Numeric(16, 2), nullable=False),
        sa.Column("bank", sa.Text),
        sa.Column("guarantee_number", sa.Text),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("recorded_by", sa.Text, nullable=False),
        sa.Column("recorded_at", AT, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("replaced_at", AT),
        sa.CheckConstraint("kind IN ('cash', 'bank_guarantee')"),
    )
    op.create_index("wage_deposits_current", "wage_deposits", ["project_id"], unique=True,
                    postgresql_where=sa.text("replaced_at IS NULL"))
    op.create_table(
        "deposit_findings",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("project_id", sa.Text, nullable=False),
        sa.Column("credit_code", sa.Text, nullable=False),
        sa.Column("lapse", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("check_day", sa.Date, nullable=False),
        sa.Column("found_at", AT, nullable=False),
        sa.UniqueConstraint("project_id", "lapse"),
    )


def downgrade() -> None:
    for table in ("deposit_findings", "wage_deposits", "wage_warnings"):
        op.drop_table(table)
