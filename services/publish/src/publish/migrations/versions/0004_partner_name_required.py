"""A partner's name holds a visible character: partners registered with a blank name (only
spaces, which the route used to take as one character) are named after their id, which is also
the client id of their feed key, so operations can still tell them apart and rename them; then a
CHECK keeps blank names out by any path.

Revision ID: 0004
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

VISIBLE = "name ~ '[^[:space:]]'"


def upgrade() -> None:
    op.execute("UPDATE partners SET name = 'partner ' || id, updated_at = now() "
               "WHERE name !~ '[^[:space:]]'")
    op.create_check_constraint("partners_name_not_blank", "partners", VISIBLE)


def downgrade() -> None:
    op.drop_constraint("partners_name_not_blank", "partners", type_="check")
