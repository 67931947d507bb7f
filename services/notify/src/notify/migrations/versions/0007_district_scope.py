"""Worker notices and address confirmations carry their district: staff of another district
neither list nor read them (issue 10, finding 4).

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("worker_notices", sa.Column("district", sa.Text))
    op.create_index("ix_worker_notices_district", "worker_notices", ["district"])
    op.add_column("address_confirmations", sa.Column("district", sa.Text))
    op.create_index("ix_address_confirmations_district", "address_confirmations", ["district"])


def downgrade() -> None:
    op.drop_index("ix_address_confirmations_district", "address_confirmations")
    op.drop_column("address_confirmations", "district")
    op.drop_index("ix_worker_notices_district", "worker_notices")
    op.drop_column("worker_notices", "district")
