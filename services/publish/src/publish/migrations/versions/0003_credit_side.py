"""The publish side of credit: blacklist disclosures with their punishments (R-CRD-4), joint
punishments pushed without a disclosure (R-MAJ-3), repair notices and objections (R-PUB-5).

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.alter_column("disclosures", "case_id", nullable=True)
    op.add_column("disclosures", sa.Column("punishments", JSONB, nullable=False,
                                           server_default=sa.text("'[]'::jsonb")))
    # A webhook may be about a joint punishment, which has no disclosure.
    op.drop_constraint("webhook_deliveries_disclosure_id_fkey", "webhook_deliveries",
                       type_="foreignkey")
    op.create_table(
        "joint_punishments",
        sa.Column("sanction_id", sa.Text, primary_key=True),
        sa.Column("major_case_id", sa.Text, nullable=False),
        sa.Column("party_role", sa.Text, nullable=False),
        sa.Column("credit_code", sa.Text),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("person", JSONB),
        sa.Column("punishments", JSONB, nullable=False),
        _ts("imposed_at"),
        sa.Column("source_event_id", sa.Text, nullable=False),
        _ts("received_at"),
    )
    op.create_table(
        "repair_notices",
        sa.Column("repair_id", sa.Text, primary_key=True),
        sa.Column("entry_id", sa.Text, nullable=False),
        sa.Column("credit_code", sa.Text, nullable=False),
        sa.Column("employer_name", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        _ts("notice_starts_at"),
        _ts("notice_ends_at"),
        _ts("published_at"),
        sa.Column("source_event_id", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text),
        sa.Column("outcome_reason", sa.Text, nullable=False, server_default=""),
        _ts("concluded_at", nullable=True),
    )
    op.create_index("repair_notices_credit_code", "repair_notices", ["credit_code"])
    op.create_table(
        "repair_objections",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("repair_id", sa.Text, sa.ForeignKey("repair_notices.repair_id"),
                  nullable=False),
        sa.Column("grounds", sa.Text, nullable=False),
        sa.Column("contact_enc", sa.Text),
        sa.Column("origin", sa.Text, nullable=False),
        _ts("filed_at"),
    )
    op.create_index("repair_objections_origin", "repair_objections", ["origin", "filed_at"])
    op.create_index("repair_objections_repair_id", "repair_objections", ["repair_id"])


def downgrade() -> None:
    op.drop_table("repair_objections")
    op.drop_table("repair_notices")
    op.drop_table("joint_punishments")
    op.create_foreign_key("webhook_deliveries_disclosure_id_fkey", "webhook_deliveries",
                          "disclosures", ["disclosure_id"], ["id"])
    op.drop_column("disclosures", "punishments")
    op.alter_column("disclosures", "case_id", nullable=False)
