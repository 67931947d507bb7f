"""Runtime tables, the employer register, penalty history and grade history.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op
from labor_runtime.migrations import runtime_v1_statements
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in runtime_v1_statements():
        op.execute(statement)
    op.create_table(
        "employers",
        sa.Column("credit_code", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("legal_representative", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("contact_email", sa.Text),
        sa.Column("grid", sa.Text),
        sa.Column("district", sa.Text),
        sa.Column("industry", sa.Text),
        sa.Column("size", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("employers_grid", "employers", ["grid"])
    op.create_index("employers_district", "employers", ["district"])
    op.create_table(
        "employer_penalties",
        sa.Column("decision_id", sa.Text, primary_key=True),
        sa.Column("credit_code", sa.Text, sa.ForeignKey("employers.credit_code"), nullable=False),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("decision_number", sa.Text, nullable=False),
        sa.Column("violation", sa.Text, nullable=False),
        sa.Column("legal_basis", sa.Text, nullable=False),
        sa.Column("fine_amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("measures", JSONB, nullable=False, server_default="[]"),
        sa.Column("authority", sa.Text, nullable=False),
        sa.Column("district", sa.Text),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("worker_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("arrears_amount", sa.Numeric(14, 2), nullable=False, server_default="0"),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("employer_penalties_credit_code", "employer_penalties",
                    ["credit_code", "decided_at"])
    op.create_table(
        "employer_grades",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("credit_code", sa.Text, sa.ForeignKey("employers.credit_code"), nullable=False),
        sa.Column("grade", sa.Text, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("previous_grade", sa.Text),
        sa.Column("deductions", JSONB, nullable=False, server_default="[]"),
        sa.Column("not_assessed", JSONB, nullable=False, server_default="[]"),
        sa.Column("trigger", sa.Text, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("grade IN ('A', 'B', 'C', 'D')", name="employer_grades_grade"),
    )
    op.create_index("employer_grades_credit_code", "employer_grades", ["credit_code", "id"])


def downgrade() -> None:
    op.drop_table("employer_grades")
    op.drop_table("employer_penalties")
    op.drop_table("employers")
