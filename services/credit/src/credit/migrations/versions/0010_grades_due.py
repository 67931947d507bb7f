"""R-CRD-2 employers queued for regrading in batches (grades_due).

Revision ID: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grades_due",
        sa.Column("credit_code", sa.Text, primary_key=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.Text, nullable=False),
    )
    op.create_index("grades_due_due_at", "grades_due", ["due_at"])


def downgrade() -> None:
    op.drop_table("grades_due")
