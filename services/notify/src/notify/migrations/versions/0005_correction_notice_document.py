"""The correction notice rendered as a document: a notice names the PDF it carries (R-DLV-4).

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("worker_notices", sa.Column("document_id", sa.Text))
    op.add_column("worker_notices", sa.Column("document_sha256", sa.Text))


def downgrade() -> None:
    op.drop_column("worker_notices", "document_sha256")
    op.drop_column("worker_notices", "document_id")
