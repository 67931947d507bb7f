"""The runtime tables' second version: indexes for the deadline gauges (overdue by kind, on-time
rate of the deadlines started lately), whose reads otherwise grow with every timer ever stored.

Revision ID: 0003
"""

from labor_runtime.migrations import downgrade_runtime_v2 as downgrade
from labor_runtime.migrations import upgrade_runtime_v2 as upgrade

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None
__all__ = ["downgrade", "upgrade"]
