"""Employers (用人单位) complaints name: matching, linking and totals (R-INT-6, R-ORG-1)."""
