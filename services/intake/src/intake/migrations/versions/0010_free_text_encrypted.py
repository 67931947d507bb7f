"""Free text typed by or about the complainant encrypted at rest (R-INT-7; issue 10, finding 5).

Complaints' summary, project and employer address and materials' descriptions get `*_enc` columns
holding the text as filed, under the field keys; the plain columns then hold it masked. Encrypting
the rows stored before needs the field keys, which a migration does not hold: the key rotator
(`python -m intake.privacy.rotate`) seals them in batches beside the live service (a null `*_enc`
is a row not sealed yet). What needs no key is done here, in Python over the rows: employers'
addresses (a copy of the first complaint's, whose original the complaint keeps) are masked, and
their matching key becomes a digest of the normalised address instead of the address itself.

Revision ID: 0010
"""

import sqlalchemy as sa
from alembic import op
from intake.employers.rules import digest_key
from intake.privacy.rules import mask_personal_data

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BATCH = 1000
ENCRYPTED = (("complaints", "summary_enc"), ("complaints", "project_enc"),
             ("complaints", "employer_address_enc"), ("materials", "description_enc"))


def upgrade() -> None:
    for table, column in ENCRYPTED:
        op.add_column(table, sa.Column(column, sa.Text, comment="R-INT-7 AES-GCM, field keys"))
    employers = sa.table("employers", sa.column("id", sa.Text), sa.column("address", sa.Text),
                         sa.column("address_key", sa.Text))
    connection = op.get_bind()
    after = ""
    while True:
        rows = connection.execute(
            sa.select(employers).where(employers.c.id > after).order_by(employers.c.id)
            .limit(BATCH)).all()
        if not rows:
            break
        for row in rows:
            # the names in it are the complainants', unknown here: patterns only
            masked = None if row.address is None else mask_personal_data(row.address)
            connection.execute(employers.update().where(employers.c.id == row.id).values(
                address=masked, address_key=digest_key(row.address_key)))
        after = rows[-1].id


def downgrade() -> None:
    """Masked text cannot be unmasked, nor a digest reversed: the columns only go."""
    for table, column in reversed(ENCRYPTED):
        op.drop_column(table, column)
