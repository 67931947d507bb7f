"""Channel quotas kept in the database, shared by every replica (R-INT-1).

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
        "channel_quota_windows",
        sa.Column("client", sa.Text, primary_key=True),
        sa.Column("window_start", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("used", sa.Integer, nullable=False),
        comment="R-INT-1 units each channel client spent per fixed window; old windows are deleted",
    )


def downgrade() -> None:
    op.drop_table("channel_quota_windows")
