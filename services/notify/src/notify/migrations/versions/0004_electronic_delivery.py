"""Electronic delivery in full: delivery-address confirmations (送达地址确认书), hand-overs whose
proof comes later, the fallback to a grid worker or the post, the case's hash-chained proofs, and
the grids notify learns from credit.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op
from labor_runtime.migrations import append_only
from sqlalchemy.dialects import postgresql as pg

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "address_confirmations",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("credit_code", sa.Text, nullable=False),
        sa.Column("party_name", sa.Text, nullable=False),
        sa.Column("signatory", sa.Text, nullable=False),
        sa.Column("signatory_capacity", sa.Text, nullable=False),
        sa.Column("addresses", pg.JSONB, nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("artefact", sa.LargeBinary, nullable=False),
        sa.Column("artefact_type", sa.Text, nullable=False),
        sa.Column("artefact_sha256", sa.Text, nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True)),
        sa.Column("withdrawn_by", sa.Text),
        sa.Column("withdrawal_reason", sa.Text),
    )
    # One confirmation in force per party: a new one replaces it (withdrawn_at is set).
    op.create_index("address_confirmations_in_force", "address_confirmations", ["credit_code"],
                    unique=True, postgresql_where=sa.text("withdrawn_at IS NULL"))
    op.create_index("address_confirmations_credit_code", "address_confirmations",
                    ["credit_code", "recorded_at"])

    op.add_column("deliveries", sa.Column("cursor", sa.Integer, nullable=False, server_default="0"))
    op.add_column("deliveries", sa.Column("dead", pg.JSONB, nullable=False,
                                          server_default=sa.text("'[]'::jsonb")))
    op.add_column("deliveries", sa.Column("waits", pg.JSONB, nullable=False,
                                          server_default=sa.text("'{}'::jsonb")))
    op.add_column("deliveries", sa.Column("fallback", sa.Text, nullable=False,
                                          server_default="grid_worker"))
    op.add_column("deliveries", sa.Column("confirmation_id", sa.Text,
                                          sa.ForeignKey("address_confirmations.id")))
    op.add_column("deliveries", sa.Column("awaiting_reference", sa.Text))
    op.add_column("deliveries", sa.Column("proof_due_at", sa.DateTime(timezone=True)))
    op.add_column("deliveries", sa.Column("grid", sa.Text))
    op.add_column("deliveries", sa.Column("district", sa.Text))
    op.add_column("deliveries", sa.Column("in_person_since", sa.DateTime(timezone=True)))
    op.add_column("deliveries", sa.Column("in_person_reason", sa.Text))
    op.add_column("deliveries", sa.Column("proof_id", sa.Text))
    op.drop_index("deliveries_due", "deliveries")
    op.create_index("deliveries_due", "deliveries", ["next_attempt_at"],
                    postgresql_where=sa.text("status IN ('pending', 'awaiting_proof')"))
    op.create_index("deliveries_in_person", "deliveries", ["grid", "in_person_since"],
                    postgresql_where=sa.text("status = 'in_person'"))
    op.add_column("delivery_attempts", sa.Column("reference", sa.Text))
    # Written before a letter is handed over, so that proof arriving before the hand-over's
    # outcome is recorded (a fast fax gateway's DSN) finds its delivery.
    op.create_table(
        "handovers",
        sa.Column("reference", sa.Text, primary_key=True),
        sa.Column("delivery_id", sa.Text, sa.ForeignKey("deliveries.id"), nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("handovers_delivery", "handovers", ["delivery_id"])
    for statement in append_only("handovers").split("\n"):
        op.execute(statement)

    op.create_table(
        "delivery_proofs",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("delivery_id", sa.Text, sa.ForeignKey("deliveries.id"), nullable=False),
        sa.Column("document_id", sa.Text, sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("served_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("previous_chain", sa.Text, nullable=False),
        sa.Column("chain_sha256", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("delivery_proofs_case", "delivery_proofs", ["case_id", "seq"])
    op.create_index("delivery_proofs_delivery", "delivery_proofs", ["delivery_id"])
    for statement in append_only("delivery_proofs").split("\n"):
        op.execute(statement)

    op.create_table(
        "grids",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("parent_code", sa.Text),
        sa.Column("district", sa.Text),
        sa.Column("workers", pg.JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "employer_grids",
        sa.Column("credit_code", sa.Text, primary_key=True),
        sa.Column("grid", sa.Text),
        sa.Column("version", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("employer_grids")
    op.drop_table("grids")
    op.drop_table("delivery_proofs")
    op.drop_table("handovers")
    op.drop_column("delivery_attempts", "reference")
    op.drop_index("deliveries_in_person", "deliveries")
    op.drop_index("deliveries_due", "deliveries")
    op.create_index("deliveries_due", "deliveries", ["next_attempt_at"],
                    postgresql_where=sa.text("status = 'pending'"))
    for column in ("proof_id", "in_person_reason", "in_person_since", "district", "grid",
                   "proof_due_at",
                   "awaiting_reference", "confirmation_id", "fallback", "waits", "dead", "cursor"):
        op.drop_column("deliveries", column)
    op.drop_table("address_confirmations")
