"""The register's version of each employer, published with credit.employer.changed.v1 (R-CRD-1).

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("employers", sa.Column(
        "version", sa.BigInteger, nullable=False, server_default="1",
        comment="1 when registered, one more with every change published to other services"))


def downgrade() -> None:
    op.drop_column("employers", "version")
