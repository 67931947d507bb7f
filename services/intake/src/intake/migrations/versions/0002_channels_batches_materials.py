"""Materials (R-INT-2): uploaded evidence, and what an incomplete complaint still lacks.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("complaints", sa.Column("missing_materials", pg.ARRAY(sa.Text), nullable=False,
                                          server_default="{}"))
    op.create_table(
        "materials",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("complaint_id", sa.Text, sa.ForeignKey("complaints.id"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("storage_key", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("complaint_id", "sha256", "kind"),
    )


def downgrade() -> None:
    op.drop_table("materials")
    op.drop_column("complaints", "missing_materials")
