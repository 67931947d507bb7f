"""The employer read model follows credit's register (credit.employer.changed.v1, R-ORG-1, R-INT-6).

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("employers", sa.Column(
        "register_version", sa.BigInteger,
        comment="version of the register's last update applied; null: not in the register yet"))
    op.add_column("employers", sa.Column("register_changed_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("employers", "register_changed_at")
    op.drop_column("employers", "register_version")
