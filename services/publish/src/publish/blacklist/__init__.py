"""The publish side of the wage-arrears blacklist and joint punishments (R-CRD-4, R-MAJ-3)."""
