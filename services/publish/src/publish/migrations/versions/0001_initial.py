"""Runtime tables, disclosures, platform submissions, partners and webhook deliveries.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op
from labor_runtime.migrations import runtime_v1_statements
from sqlalchemy.dialects import postgresql as pg

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    for statement in runtime_v1_statements():
        op.execute(statement)
    op.create_table(
        "disclosures",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("source_ref", sa.Text, nullable=False),
        sa.Column("source_event_id", sa.Text, nullable=False),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("decision_number", sa.Text, nullable=False),
        sa.Column("employer_name", sa.Text, nullable=False),
        sa.Column("employer_credit_code", sa.Text),
        sa.Column("legal_representative", sa.Text),
        sa.Column("violation", sa.Text, nullable=False),
        sa.Column("legal_basis", sa.Text, nullable=False),
        sa.Column("fine_amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("measures", pg.ARRAY(sa.Text), nullable=False),
        sa.Column("penalty", sa.Text, nullable=False),
        sa.Column("authority", sa.Text, nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        _ts("decided_at"),
        _ts("published_at"),
        sa.Column("publicity_ends_on", sa.Date, nullable=False),
        _ts("withdrawn_at", nullable=True),
        sa.Column("withdrawal_reason", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("category", "source_ref"),
    )
    op.create_index("disclosures_category", "disclosures", ["category", "seq"])
    op.create_index("disclosures_employer_credit_code", "disclosures", ["employer_credit_code"])
    op.create_index("disclosures_published_at", "disclosures", ["published_at"])

    op.create_table(
        "platform_submissions",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("disclosure_id", sa.Text, sa.ForeignKey("disclosures.id"), nullable=False),
        sa.Column("platform", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("reference", sa.Text, nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        _ts("created_at"),
        _ts("updated_at"),
        _ts("submitted_at", nullable=True),
        sa.Column("recorded_by", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("disclosure_id", "platform"),
    )
    op.create_index("platform_submissions_status", "platform_submissions", ["status", "due_on"])

    op.create_table(
        "partners",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("agency", sa.Text, nullable=False),
        sa.Column("api_key_id", sa.Text, nullable=False),
        sa.Column("webhook_url", sa.Text),
        sa.Column("webhook_secret_enc", sa.Text),
        _ts("webhook_disabled_at", nullable=True),
        sa.Column("webhook_disabled_reason", sa.Text, nullable=False, server_default=""),
        _ts("failing_since", nullable=True),
        sa.Column("created_by", sa.Text, nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_table(
        "partner_subscriptions",
        sa.Column("partner_id", sa.Text, sa.ForeignKey("partners.id"), primary_key=True),
        sa.Column("category", sa.Text, primary_key=True),
        _ts("created_at"),
    )
    op.create_index("partner_subscriptions_category", "partner_subscriptions", ["category"])

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("partner_id", sa.Text, sa.ForeignKey("partners.id"), nullable=False),
        sa.Column("disclosure_id", sa.Text, sa.ForeignKey("disclosures.id"), nullable=False),
        sa.Column("message_type", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        _ts("next_attempt_at"),
        sa.Column("lease_token", sa.Text),
        _ts("leased_until", nullable=True),
        sa.Column("last_status_code", sa.Integer),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
        _ts("created_at"),
        _ts("updated_at"),
        _ts("delivered_at", nullable=True),
        sa.UniqueConstraint("partner_id", "disclosure_id", "message_type"),
    )
    op.create_index("webhook_deliveries_due", "webhook_deliveries", ["next_attempt_at"],
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index("webhook_deliveries_partner", "webhook_deliveries",
                    ["partner_id", "created_at"])

    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("delivery_id", sa.Text, sa.ForeignKey("webhook_deliveries.id"),
                  nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        _ts("attempted_at"),
        sa.Column("status_code", sa.Integer),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("duration_ms", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("webhook_attempts_delivery", "webhook_attempts", ["delivery_id", "number"])


def downgrade() -> None:
    for table in ("webhook_attempts", "webhook_deliveries", "partner_subscriptions", "partners",
                  "platform_submissions", "disclosures"):
        op.drop_table(table)
