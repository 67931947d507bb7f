"""Handling deadlines (R-INT-3, R-INT-4): assignment, phone confirmation, grid mediation and
escalation, what is overdue and the share of deadlines met on time."""
