"""The employer's conduct as cases, intake and staff report it (R-CRD-2, R-CRD-4).

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conduct_records",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("credit_code", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("case_id", sa.Text),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount", sa.Numeric(16, 2)),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("source", "kind"),
    )
    op.create_index("conduct_records_by_employer", "conduct_records",
                    ["credit_code", "kind", "occurred_at"])


def downgrade() -> None:
    op.drop_table("conduct_records")
