"""The proof of service recorded with the case's documents (R-DLV-3): notify's stored proof
artefact, its SHA-256 and the case's proof chain after it. Nullable: services recorded before
notify sent them have none. Alembic's `op.add_column`:
https://alembic.sqlalchemy.org/en/latest/ops.html

Revision ID: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = ("proof_id", "proof_sha256", "chain_sha256")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("document_services", sa.Column(name, sa.Text))


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("document_services", name)
