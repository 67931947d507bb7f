"""Grids (R-ORG-1): the four-level tree and its workers; an employer's grid is a known village;
the legal representative's phone and ID number, encrypted (R-CRD-1).

Grids loaded before the tree were free text: they move to `legacy_grid`, the employer has no
grid until one is assigned, and the coverage report lists it with that reason.

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

LEVELS = "'city', 'district', 'township', 'village'"
# The statistical code's structure (2 province + 2 city + 2 county + 3 township + 3 village
# digits): a level's code is zeros below it and not zeros at its own place (grids/rules.py).
STRUCTURE = """
    (level = 'city' AND substr(code, 3, 2) <> '00' AND substr(code, 5) = '00000000')
    OR (level = 'district' AND substr(code, 5, 2) <> '00' AND substr(code, 7) = '000000')
    OR (level = 'township' AND substr(code, 7, 3) <> '000' AND substr(code, 10) = '000')
    OR (level = 'village' AND substr(code, 10) <> '000')"""
# The parent is the code's own prefix one level up, so its level is the one above.
PARENT_PREFIX = """parent_code IS NULL OR parent_code = rpad(
    substr(code, 1, CASE level WHEN 'district' THEN 4 WHEN 'township' THEN 6 ELSE 9 END), 12, '0')"""


def upgrade() -> None:
    op.create_table(
        "grids",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("parent_code", sa.Text, sa.ForeignKey("grids.code")),
        sa.Column("district", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("code", "level", name="grids_code_level"),
        sa.CheckConstraint(r"code ~ '^\d{12}$'", name="grids_code_digits"),
        sa.CheckConstraint(f"level IN ({LEVELS})", name="grids_level"),
        sa.CheckConstraint("(level = 'city') = (parent_code IS NULL)", name="grids_parent"),
        sa.CheckConstraint(STRUCTURE, name="grids_level_by_code"),
        sa.CheckConstraint(PARENT_PREFIX, name="grids_parent_prefix"),
    )
    op.create_index("grids_parent_code", "grids", ["parent_code"])
    op.create_index("grids_district", "grids", ["district"])
    op.create_table(
        "grid_workers",
        sa.Column("grid", sa.Text, sa.ForeignKey("grids.code"), primary_key=True),
        sa.Column("subject", sa.Text, primary_key=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.add_column("employers", sa.Column("grid_level", sa.Text))
    op.add_column("employers", sa.Column("legacy_grid", sa.Text))
    op.add_column("employers", sa.Column("legal_representative_phone_enc", sa.Text))
    op.add_column("employers", sa.Column("legal_representative_id_number_enc", sa.Text))
    op.execute("UPDATE employers SET legacy_grid = grid, grid = NULL WHERE grid IS NOT NULL")
    op.create_check_constraint("employers_grid_is_village", "employers",
                               "grid_level = 'village'")
    op.create_check_constraint("employers_grid_level_with_grid", "employers",
                               "(grid IS NULL) = (grid_level IS NULL)")
    op.create_foreign_key("employers_grid_fk", "employers", "grids",
                          ["grid", "grid_level"], ["code", "level"])


def downgrade() -> None:
    op.drop_constraint("employers_grid_fk", "employers")
    op.drop_constraint("employers_grid_level_with_grid", "employers")
    op.drop_constraint("employers_grid_is_village", "employers")
    op.execute("UPDATE employers SET grid = legacy_grid WHERE grid IS NULL")
    for column in ("legal_representative_id_number_enc", "legal_representative_phone_enc",
                   "legacy_grid", "grid_level"):
        op.drop_column("employers", column)
    op.drop_table("grid_workers")
    op.drop_table("grids")
