"""Oversight: the monthly case review draw (R-CASE-9) and case metrics (R-CASE-10)."""
