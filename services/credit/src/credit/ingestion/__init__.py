"""Shared-data ingestion (R-CRD-3 sources): batch files and single records from housing, social
insurance, banks, utilities and the court."""
