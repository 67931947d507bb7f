"""Runtime tables and complaints.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op
from labor_runtime.migrations import runtime_v1_statements

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in runtime_v1_statements():
        op.execute(statement)
    op.create_table(
        "complaints",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("tracking_code", sa.Text, nullable=False, unique=True),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("channel_client", sa.Text, nullable=False),
        sa.Column("idempotency_key", sa.Text, nullable=False),
        sa.Column("request_sha256", sa.Text, nullable=False),
        sa.Column("complaint_type", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("status_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("employer_name", sa.Text, nullable=False),
        sa.Column("employer_credit_code", sa.Text),
        sa.Column("employer_address", sa.Text),
        sa.Column("district", sa.Text),
        sa.Column("worker_count", sa.Integer, nullable=False),
        sa.Column("arrears_amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("suspected_crime", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("mass_incident", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("complainant_name_enc", sa.Text, nullable=False),
        sa.Column("complainant_id_number_enc", sa.Text, nullable=False),
        sa.Column("complainant_phone_enc", sa.Text, nullable=False),
        sa.Column("case_id", sa.Text),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("channel_client", "idempotency_key"),
    )
    op.create_index("complaints_employer_credit_code", "complaints", ["employer_credit_code"])
    op.create_index("complaints_district", "complaints", ["district"])


def downgrade() -> None:
    op.drop_table("complaints")
