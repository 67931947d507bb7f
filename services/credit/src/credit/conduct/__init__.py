"""The employer's conduct as cases, intake and staff report it: what feeds the grade's
indicators (R-CRD-2)."""
