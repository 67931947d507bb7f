"""The runtime tables' third version: a deadline keeps the trace of the transaction that set it,
which the event it fires continues.

Revision ID: 0005
"""

from labor_runtime.migrations import downgrade_runtime_v3 as downgrade
from labor_runtime.migrations import upgrade_runtime_v3 as upgrade

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None
__all__ = ["downgrade", "upgrade"]
