"""Integrity grade (诚信等级, R-CRD-2): 6 items, 20 indicators, score → A/B/C/D, self-explaining."""
