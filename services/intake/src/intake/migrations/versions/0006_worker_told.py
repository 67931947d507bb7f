"""Whether the worker was told (R-INT-3): when the registration answer was issued and when it was
told (through the filing channel or by staff), and the last notice the channel could not deliver.

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _columns() -> tuple[sa.Column, ...]:  # type: ignore[type-arg]
    """Fresh Column objects for each run (a Column belongs to one Table)."""
    return (
        sa.Column("registration_answer_issued_at", sa.DateTime(timezone=True),
                  comment="R-INT-3 when the latest registration decision was issued to the worker"),
        sa.Column("registration_answer_told_at", sa.DateTime(timezone=True),
                  comment="R-INT-3 when the worker was told the registration decision"),
        sa.Column("registration_answer_told_via", sa.Text,
                  comment="the filing channel that took the notice, or how staff told (phone, ...)"),
        sa.Column("worker_notice_failed_at", sa.DateTime(timezone=True),
                  comment="the last notice to the worker the filing channel could not deliver"),
        sa.Column("worker_notice_failed_kind", sa.Text,
                  comment="correction_notice or registration_answer"),
        sa.Column("worker_notice_failed_id", sa.Text, comment="notify's notice id"),
        sa.Column("worker_notice_failure", sa.Text, comment="why, without personal data"),
    )


def upgrade() -> None:
    for column in _columns():
        op.add_column("complaints", column)
    # The attention list reads the few complaints with a failed notice, not the whole table.
    op.create_index("complaints_worker_notice_failed", "complaints", ["worker_notice_failed_at"],
                    postgresql_where=sa.text("worker_notice_failed_at IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("complaints_worker_notice_failed", "complaints")
    for name in ("worker_notice_failure", "worker_notice_failed_id", "worker_notice_failed_kind",
                 "worker_notice_failed_at", "registration_answer_told_via",
                 "registration_answer_told_at", "registration_answer_issued_at"):
        op.drop_column("complaints", name)
