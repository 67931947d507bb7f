"""Hearing and execution (听证、执行): R-CASE-5 hearing, R-CASE-6 payments and surcharge,
R-CASE-7 reminder and court enforcement."""
