"""Major cases (R-MAJ-1..3), monthly review draws (R-CASE-9), the working-day calendar.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op
from labor_runtime.migrations import append_only
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "major_cases",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, sa.ForeignKey("cases.id"), nullable=False, unique=True),
        sa.Column("district", sa.Text),
        sa.Column("grounds", JSONB, nullable=False),
        sa.Column("triggered_at", TZ, nullable=False),
        sa.Column("triggered_by", sa.Text, nullable=False),
        sa.Column("task_force", JSONB, nullable=False, server_default="[]"),
        sa.Column("sanctions_at", TZ),
    )
    op.create_index("ix_major_cases_district", "major_cases", ["district"])

    op.create_table(
        "major_milestones",
        sa.Column("major_case_id", sa.Text, sa.ForeignKey("major_cases.id"), primary_key=True),
        sa.Column("milestone", sa.Text, primary_key=True),
        sa.Column("due_at", TZ, nullable=False),
        sa.Column("done_at", TZ),
        sa.Column("done_by", sa.Text),
        sa.Column("evidence_note", sa.Text),
        sa.Column("missed_at", TZ),
    )

    op.create_table(
        "major_incidents",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("views", sa.BigInteger),
        sa.Column("worker_count", sa.Integer),
        sa.Column("amount", sa.Numeric(14, 2)),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("reported_by", sa.Text, nullable=False),
        sa.Column("reported_at", TZ, nullable=False),
    )
    op.create_index("ix_major_incidents_case_id", "major_incidents", ["case_id"])

    op.create_table(
        "major_sanctions",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("major_case_id", sa.Text, sa.ForeignKey("major_cases.id"), nullable=False),
        sa.Column("party_role", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("credit_code", sa.Text),
        sa.Column("measures", JSONB, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
    )
    op.create_index("ix_major_sanctions_major_case_id", "major_sanctions", ["major_case_id"])

    op.create_table(
        "review_draws",
        sa.Column("month", sa.Text, primary_key=True),
        sa.Column("seed", sa.Text, nullable=False),
        sa.Column("algorithm", sa.Text, nullable=False),
        sa.Column("share", sa.Numeric(5, 4), nullable=False),
        sa.Column("population", JSONB, nullable=False),
        sa.Column("selected", JSONB, nullable=False),
        sa.Column("drawn_by", sa.Text, nullable=False),
        sa.Column("drawn_at", TZ, nullable=False),
    )

    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("loaded_by", sa.Text, nullable=False),
        sa.Column("loaded_at", TZ, nullable=False),
    )
    op.create_index("ix_calendar_days_year", "calendar_days", ["year"])
    op.create_check_constraint("calendar_days_kind", "calendar_days",
                               "kind IN ('holiday', 'workday')")

    # A recorded draw and its reported incidents are never altered (R-CASE-9, R-OVS-1).
    for table in ("review_draws", "major_incidents", "major_sanctions"):
        for statement in append_only(table).split("\n"):
            op.execute(statement)


def downgrade() -> None:
    for table in ("calendar_days", "review_draws", "major_sanctions", "major_incidents",
                  "major_milestones", "major_cases"):
        op.drop_table(table)
