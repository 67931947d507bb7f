"""R-MAJ-3 sanctions of major cases: bid bars and construction-market bans.

Revision ID: 0009
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sanctions",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("major_case_id", sa.Text, nullable=False),
        sa.Column("party_index", sa.Integer, nullable=False),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("case_number", sa.Text),
        sa.Column("district", sa.Text),
        sa.Column("party_role", sa.Text, nullable=False),
        sa.Column("credit_code", sa.Text),
        sa.Column("name", sa.Text),
        sa.Column("name_enc", sa.Text),
        sa.Column("name_masked", sa.Text),
        sa.Column("id_number_enc", sa.Text),
        sa.Column("id_number_masked", sa.Text),
        sa.Column("punishments", JSONB, nullable=False),
        sa.Column("source_event_id", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("identified_by", sa.Text),
        sa.Column("imposed_at", sa.DateTime(timezone=True)),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.UniqueConstraint("major_case_id", "party_index"),
    )
    op.create_index("sanctions_by_district", "sanctions", ["district"])


def downgrade() -> None:
    op.drop_table("sanctions")
