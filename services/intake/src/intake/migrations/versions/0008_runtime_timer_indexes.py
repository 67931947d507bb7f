"""The runtime tables' second version: indexes for the deadline gauges (overdue by kind, on-time
rate of the deadlines started lately), whose reads otherwise grow with every timer ever stored.

Revision ID: 0008
"""

from alembic import op
from labor_runtime.migrations import RUNTIME_V2, RUNTIME_V2_DOWN

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in RUNTIME_V2:
        op.execute(statement)


def downgrade() -> None:
    for statement in RUNTIME_V2_DOWN:
        op.execute(statement)
