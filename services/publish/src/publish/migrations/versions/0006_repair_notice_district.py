"""A repair notice keeps its blacklist entry's district, so that only that district's reviewers
(and the city-wide) read the objectors' contacts. Notices from before have none: the city-wide
read them.

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("repair_notices", sa.Column("district", sa.Text, nullable=True))


def downgrade() -> None:
    op.drop_column("repair_notices", "district")
