"""Cases' copy of credit's grid tree (网格, R-ORG-1): a case shows its employer's grid and workers."""
