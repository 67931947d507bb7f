"""Investigation evidence (调查取证): fixed when collected, append-only, hash-chained (R-CASE-4)."""
