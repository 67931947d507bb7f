"""Inspection leads (检查线索): credit's early warnings (R-CRD-3) and deposit findings (R-CRD-6)
become leads a district's officers take up or dismiss."""
