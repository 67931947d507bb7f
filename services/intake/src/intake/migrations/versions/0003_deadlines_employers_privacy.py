"""Handling deadlines (R-INT-3, R-INT-4), the employer read model (R-INT-6, R-ORG-1).

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "employers",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("credit_code", sa.Text, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("address", sa.Text),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("address_key", sa.Text, nullable=False, server_default=""),
        sa.Column("grid", sa.Text, comment="R-ORG-1 the one grid; null until known"),
        sa.Column("district", sa.Text),
        sa.Column("complaint_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("open_complaints", sa.Integer, nullable=False, server_default="0"),
        sa.Column("open_worker_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("open_arrears_amount", sa.Numeric(16, 2), nullable=False, server_default="0"),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("employers_name_address", "employers", ["name_key", "address_key"])
    for column in (
        sa.Column("employer_id", sa.Text),
        sa.Column("project", sa.Text),
        sa.Column("handler", sa.Text),
        sa.Column("assigned_at", sa.DateTime(timezone=True)),
        sa.Column("phone_confirmed_at", sa.DateTime(timezone=True)),
        sa.Column("mediation_result", sa.Text),
        sa.Column("mediation_grid", sa.Text),
        sa.Column("mediated_at", sa.DateTime(timezone=True)),
        sa.Column("escalated_at", sa.DateTime(timezone=True)),
    ):
        op.add_column("complaints", column)
    op.create_index("complaints_employer_id", "complaints", ["employer_id"])


def downgrade() -> None:
    op.drop_index("complaints_employer_id", "complaints")
    for name in ("escalated_at", "mediated_at", "mediation_grid", "mediation_result",
                 "phone_confirmed_at", "assigned_at", "handler", "project", "employer_id"):
        op.drop_column("complaints", name)
    op.drop_table("employers")
