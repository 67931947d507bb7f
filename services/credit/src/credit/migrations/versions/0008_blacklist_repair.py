"""The blacklist (R-CRD-4) and credit repair (R-CRD-5, R-PUB-5).

Revision ID: 0008
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "blacklist_entries",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("credit_code", sa.Text, nullable=False),
        sa.Column("district", sa.Text),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("proposed_by", sa.Text, nullable=False),
        sa.Column("proposed_at", _TS, nullable=False),
        sa.Column("reviewed_by", sa.Text),
        sa.Column("notice_document_id", sa.Text),
        sa.Column("defence_due_at", _TS),
        sa.Column("defence", sa.Text),
        sa.Column("decision_number", sa.Text, unique=True),
        sa.Column("listed_on", sa.Date),
        sa.Column("ends_on", sa.Date),
        sa.Column("punishments", JSONB, nullable=False, server_default="[]"),
        sa.Column("removed_at", _TS),
        sa.Column("removal_reason", sa.Text),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("blacklist_entries_by_employer", "blacklist_entries", ["credit_code", "state"])
    # One live entry per employer, whatever two C posts propose at the same moment.
    op.create_index("blacklist_entries_one_live", "blacklist_entries", ["credit_code"],
                    unique=True, postgresql_where=sa.text(
                        "state IN ('proposed', 'notified', 'defence_stated', 'listed')"))
    op.execute("CREATE SEQUENCE blacklist_decision_numbers")
    op.create_table(
        "blacklist_grounds",
        sa.Column("entry_id", sa.Text, primary_key=True),
        sa.Column("record_id", sa.Text, primary_key=True),
        sa.Column("ground", sa.Text, nullable=False),
        sa.Column("case_id", sa.Text),
    )
    op.create_index("ix_blacklist_grounds_record_id", "blacklist_grounds", ["record_id"])
    op.create_table(
        "blacklist_steps",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("entry_id", sa.Text, nullable=False),
        sa.Column("repair_id", sa.Text),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_index("ix_blacklist_steps_entry_id", "blacklist_steps", ["entry_id"])
    op.create_table(
        "credit_documents",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("matter_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("issued_at", _TS, nullable=False),
    )
    op.create_index("ix_credit_documents_matter_id", "credit_documents", ["matter_id"])
    op.create_table(
        "credit_repairs",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("entry_id", sa.Text, nullable=False),
        sa.Column("credit_code", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("commitment_sha256", sa.Text, nullable=False),
        sa.Column("commitment_date", sa.Date, nullable=False),
        sa.Column("applied_by", sa.Text, nullable=False),
        sa.Column("applied_at", _TS, nullable=False),
        sa.Column("first_reviewed_by", sa.Text),
        sa.Column("second_reviewed_by", sa.Text),
        sa.Column("notice_starts_at", _TS),
        sa.Column("notice_ends_at", _TS),
        sa.Column("outcome_reason", sa.Text),
        sa.Column("concluded_at", _TS),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_credit_repairs_entry_id", "credit_repairs", ["entry_id"])
    # One open repair per entry.
    op.create_index("credit_repairs_one_open", "credit_repairs", ["entry_id"], unique=True,
                    postgresql_where=sa.text(
                        "state IN ('applied', 'first_reviewed', 'in_notice', 'stopped')"))
    op.create_table(
        "repair_objections",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("repair_id", sa.Text, nullable=False),
        sa.Column("grounds", sa.Text, nullable=False),
        sa.Column("filed_at", _TS, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("decided_by", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("decided_at", _TS),
    )
    op.create_index("ix_repair_objections_repair_id", "repair_objections", ["repair_id"])


def downgrade() -> None:
    for table in ("repair_objections", "credit_repairs", "credit_documents", "blacklist_steps",
                  "blacklist_grounds", "blacklist_entries"):
        op.drop_table(table)
    op.execute("DROP SEQUENCE blacklist_decision_numbers")
