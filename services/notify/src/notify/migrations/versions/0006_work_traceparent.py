"""Work keeps its cause's trace: a delivery and a worker notice store the trace of the event that
caused them, which the worker continues, and deadlines the trace that set them (runtime v3).

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op
from labor_runtime.migrations import downgrade_runtime_v3, upgrade_runtime_v3

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_runtime_v3()
    op.add_column("deliveries", sa.Column("traceparent", sa.Text))
    op.add_column("worker_notices", sa.Column("traceparent", sa.Text))


def downgrade() -> None:
    op.drop_column("worker_notices", "traceparent")
    op.drop_column("deliveries", "traceparent")
    downgrade_runtime_v3()
