"""Wage early warnings (欠薪预警, R-CRD-3): yellow, orange and red from the shared data."""
