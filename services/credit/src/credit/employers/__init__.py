"""Employer register (一户一档, R-CRD-1): one record per unified social credit code."""
