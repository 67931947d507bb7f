"""Runtime tables, cases, timeline, penalties and documents.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op
from labor_runtime.migrations import append_only, runtime_v1_statements
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
MONEY = sa.Numeric(14, 2)


def upgrade() -> None:
    for statement in runtime_v1_statements():
        op.execute(statement)
    op.create_table(
        "cases",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("case_number", sa.Text, unique=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("district", sa.Text),
        sa.Column("employer_name", sa.Text, nullable=False),
        sa.Column("employer_credit_code", sa.Text),
        sa.Column("employer_address", sa.Text),
        sa.Column("worker_count", sa.Integer, nullable=False),
        sa.Column("arrears_amount", MONEY, nullable=False),
        sa.Column("suspected_crime", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("mass_incident", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("immediate_registration", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("registered_at", TZ),
        sa.Column("notice_period_ends_at", TZ),
        sa.Column("decided_at", TZ),
        sa.Column("payment_due_at", TZ),
        sa.Column("published_at", TZ),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("traceparent", sa.Text),
    )
    op.create_index("ix_cases_state", "cases", ["state"])
    op.create_index("ix_cases_district", "cases", ["district"])
    op.create_index("ix_cases_employer_credit_code", "cases", ["employer_credit_code"])

    op.create_table(
        "case_complaints",
        sa.Column("complaint_id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("received_at", TZ, nullable=False),
    )
    op.create_index("ix_case_complaints_case_id", "case_complaints", ["case_id"])

    op.create_table(
        "case_timeline",
        sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("case_id", sa.Text, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("from_state", sa.Text),
        sa.Column("to_state", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_case_timeline_case_id", "case_timeline", ["case_id"])

    op.create_table(
        "number_sequences",
        sa.Column("series", sa.Text, primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )

    op.create_table(
        "penalty_proposals",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("violation", sa.Text, nullable=False),
        sa.Column("legal_basis", sa.Text, nullable=False),
        sa.Column("fine_amount", MONEY, nullable=False),
        sa.Column("measures", JSONB, nullable=False, server_default="[]"),
        sa.Column("stop_production", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("party_name", sa.Text, nullable=False),
        sa.Column("party_credit_code", sa.Text),
        sa.Column("party_legal_representative", sa.Text),
        sa.Column("party_email", sa.Text),
        sa.Column("party_address", sa.Text),
        sa.Column("notice_required", sa.Boolean, nullable=False),
        sa.Column("proposed_by", sa.Text, nullable=False),
        sa.Column("proposed_at", TZ, nullable=False),
        sa.Column("reviewed_by", sa.Text),
        sa.Column("reviewed_at", TZ),
        sa.Column("review_reason", sa.Text),
        sa.Column("notice_document_id", sa.Text),
    )
    op.create_index("ix_penalty_proposals_case_id", "penalty_proposals", ["case_id"])
    # At most one proposal per case is awaiting review or approved at any time.
    op.create_index("penalty_proposals_one_live", "penalty_proposals", ["case_id"], unique=True,
                    postgresql_where=sa.text("status IN ('proposed', 'approved')"))

    op.create_table(
        "documents",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("number", sa.Text, nullable=False, unique=True),
        sa.Column("recipient", JSONB, nullable=False),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("verify_url", sa.Text, nullable=False),
        sa.Column("issued_by", sa.Text, nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
    )
    op.create_index("ix_documents_case_id", "documents", ["case_id"])

    op.create_table(
        "document_services",
        sa.Column("document_id", sa.Text, sa.ForeignKey("documents.id"), primary_key=True),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("served_at", TZ, nullable=False),
        sa.Column("proof", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
    )

    op.create_table(
        "penalty_decisions",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, sa.ForeignKey("cases.id"), nullable=False, unique=True),
        sa.Column("proposal_id", sa.Text, sa.ForeignKey("penalty_proposals.id"), nullable=False),
        sa.Column("decision_number", sa.Text, nullable=False, unique=True),
        sa.Column("document_id", sa.Text, sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("signed_by", sa.Text, nullable=False),
        sa.Column("decided_at", TZ, nullable=False),
        sa.Column("publish_by", sa.Date, nullable=False),
        sa.Column("served_at", TZ),
        sa.Column("payment_due_at", TZ),
        sa.Column("published_at", TZ),
        sa.Column("disclosure_id", sa.Text),
    )

    # The timeline, the issued documents and their proofs of service are never altered (R-OVS-1).
    for table in ("case_timeline", "documents", "document_services"):
        for statement in append_only(table).split("\n"):
            op.execute(statement)


def downgrade() -> None:
    for table in ("penalty_decisions", "document_services", "documents", "penalty_proposals",
                  "number_sequences", "case_timeline", "case_complaints", "cases"):
        op.drop_table(table)
