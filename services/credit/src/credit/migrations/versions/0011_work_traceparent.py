"""Work keeps its cause's trace: an employer queued for regrading keeps the trace of the report
that queued it, which the grade change continues; one queued for re-evaluation the trace of the
batch that queued it, which its warnings continue; deadlines the trace that set them (runtime v3).

Revision ID: 0011
"""

import sqlalchemy as sa
from alembic import op
from labor_runtime.migrations import downgrade_runtime_v3, upgrade_runtime_v3

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_runtime_v3()
    op.add_column("grades_due", sa.Column("traceparent", sa.Text))
    op.add_column("evaluations_due", sa.Column("traceparent", sa.Text))


def downgrade() -> None:
    op.drop_column("evaluations_due", "traceparent")
    op.drop_column("grades_due", "traceparent")
    downgrade_runtime_v3()
