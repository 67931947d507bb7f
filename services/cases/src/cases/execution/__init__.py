"""Execution (执行): R-CASE-6 payments and surcharge, R-CASE-7 reminder and court enforcement."""
