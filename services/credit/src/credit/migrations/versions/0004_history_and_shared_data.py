"""The employer's history (R-CRD-1) and the shared data of R-CRD-3: one table per source, the
batches that carry it, their rejected rows, and the employers due for re-evaluation.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(16, 2)
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "employer_history",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("credit_code", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("at", AT, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("ref", sa.Text, nullable=False, server_default=""),
        sa.Column("details", JSONB, nullable=False, server_default="{}"),
        sa.UniqueConstraint("source", "kind", "ref"),
    )
    op.create_index("employer_history_by_employer", "employer_history", ["credit_code", "at"])
    op.create_table(
        "projects",
        sa.Column("project_id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("credit_code", sa.Text, nullable=False, index=True),
        sa.Column("district", sa.Text),
        sa.Column("grid", sa.Text),
        sa.Column("started_on", sa.Date),
        sa.Column("ends_on", sa.Date),
        sa.Column("batch_id", sa.Text),
        sa.Column("updated_at", AT, nullable=False),
    )
    op.create_table(
        "attendance_months",
        sa.Column("project_id", sa.Text, primary_key=True),
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("credit_code", sa.Text, nullable=False, index=True),
        sa.Column("workers_registered", sa.Integer, nullable=False),
        sa.Column("workers_attended", sa.Integer, nullable=False),
        sa.Column("wages_payable", MONEY, nullable=False),
        sa.Column("wages_paid", MONEY, nullable=False),
        sa.Column("batch_id", sa.Text, nullable=False),
    )
    op.create_table(
        "insurance_months",
        sa.Column("credit_code", sa.Text, primary_key=True),
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("employees", sa.Integer, nullable=False),
        sa.Column("insured", sa.Integer, nullable=False),
        sa.Column("batch_id", sa.Text, nullable=False),
    )
    op.create_table(
        "payroll_months",
        sa.Column("credit_code", sa.Text, primary_key=True),
        sa.Column("account", sa.Text, primary_key=True),
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("project_id", sa.Text),
        sa.Column("balance", MONEY, nullable=False),
        sa.Column("wages_payable", MONEY, nullable=False),
        sa.Column("batch_id", sa.Text, nullable=False),
    )
    op.create_table(
        "utility_months",
        sa.Column("credit_code", sa.Text, primary_key=True),
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("water_m3", sa.Numeric(16, 2), nullable=False),
        sa.Column("electricity_kwh", sa.Numeric(16, 2), nullable=False),
        sa.Column("batch_id", sa.Text, nullable=False),
    )
    op.create_table(
        "judgment_debtors",
        sa.Column("credit_code", sa.Text, primary_key=True),
        sa.Column("court_case_number", sa.Text, primary_key=True),
        sa.Column("court", sa.Text, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("listed_on", sa.Date, nullable=False),
        sa.Column("removed_on", sa.Date),
        sa.Column("batch_id", sa.Text, nullable=False),
    )
    op.create_table(
        "ingest_batches",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("digest", sa.Text, nullable=False),
        sa.Column("via", sa.Text, nullable=False),
        sa.Column("filename", sa.Text, nullable=False, server_default=""),
        sa.Column("format", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("rows_total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rows_changed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rows_unchanged", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rows_rejected", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("received_at", AT, nullable=False),
        sa.Column("finished_at", AT),
        sa.UniqueConstraint("source", "digest"),
    )
    op.create_table(
        "ingest_rejections",
        sa.Column("batch_id", sa.Text, sa.ForeignKey("ingest_batches.id"), primary_key=True),
        sa.Column("row_number", sa.Integer, primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_table(
        "evaluations_due",
        sa.Column("credit_code", sa.Text, primary_key=True),
        sa.Column("queued_at", AT, nullable=False),
    )


def downgrade() -> None:
    for table in ("evaluations_due", "ingest_rejections", "ingest_batches", "judgment_debtors",
                  "utility_months", "payroll_months", "insurance_months", "attendance_months",
                  "projects", "employer_history"):
        op.drop_table(table)
