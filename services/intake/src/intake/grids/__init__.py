"""Intake's copy of credit's grid tree (网格, R-ORG-1): names and workers of the employers' grids."""
