"""Complaints against one employer join its open case (R-INT-6): the case keeps intake's key of
the employer.

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("employer_key", sa.Text))
    op.create_index("ix_cases_employer_key", "cases", ["employer_key"])


def downgrade() -> None:
    op.drop_index("ix_cases_employer_key", "cases")
    op.drop_column("cases", "employer_key")
