"""Masks personal data in the free text cases stored before intake masked it (issue 10, finding 5;
R-INT-7): identity numbers, mobile and landline numbers and e-mail addresses in a case's summary
and employer address, as intake's `privacy.rules` masks them now. The complainant's name cannot be
masked here: cases never had it. Rendered documents keep their text (signed, served records).
PostgreSQL's regular expressions (ARE, lookbehind since 9.6):
https://www.postgresql.org/docs/current/functions-matching.html#POSIX-SYNTAX-DETAILS

Revision ID: 0010
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BEFORE = r"(?<![0-9A-Za-z])"
AFTER = r"(?![0-9A-Za-z]|\.[0-9])"  # `\.[0-9]`: the integer part of an amount
DATE = r"(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])"
# (pattern, replacement), applied in this order, as intake's mask_personal_data does
MASKS = (
    (r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", "[邮箱]"),
    (BEFORE + r"[0-9]{6}(18|19|20)[0-9]{2}" + DATE + r"[0-9]{3}[0-9Xx]" + AFTER, "[身份证号]"),
    (BEFORE + r"[0-9]{8}" + DATE + r"[0-9]{3}" + AFTER, "[身份证号]"),
    (r"(?<![0-9A-Za-z+])((\+|00)?86[\s-]?)?(1[3-9][0-9])[\s-]?([0-9]{4})[\s-]?([0-9]{4})" + AFTER,
     r"\3****\5"),
    (BEFORE + r"([(（](0[1-9][0-9]{1,2})[)）]|(0[1-9][0-9]{1,2}))[\s-]?[0-9]{3,4}([0-9]{4})"
     r"((-|转|ext\.?)[0-9]{1,6})?" + AFTER, r"\2\3-****\4"),
)
COLUMNS = ("summary", "employer_address")


def _masked(column: str) -> str:
    expression = column
    for pattern, replacement in MASKS:
        expression = f"regexp_replace({expression}, $re${pattern}$re$, $re${replacement}$re$, 'g')"
    return expression


def upgrade() -> None:
    for column in COLUMNS:  # constants of this file, no input
        op.execute(f"UPDATE cases SET {column} = {_masked(column)} "  # noqa: S608
                   f"WHERE {column} IS DISTINCT FROM {_masked(column)}")


def downgrade() -> None:
    """Masked text cannot be unmasked; intake keeps the original (the audited text route)."""
