"""Whether staff told the worker the correction notice another way (R-INT-2) after the filing
channel could not deliver it.

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("complaints", sa.Column(
        "correction_notice_told_at", sa.DateTime(timezone=True),
        comment="R-INT-2 when staff told the worker what materials to bring"))
    op.add_column("complaints", sa.Column(
        "correction_notice_told_via", sa.Text, comment="phone, in_person or letter"))


def downgrade() -> None:
    op.drop_column("complaints", "correction_notice_told_via")
    op.drop_column("complaints", "correction_notice_told_at")
