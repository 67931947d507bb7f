"""Public notice of credit repairs and the public's objections (R-CRD-5, R-PUB-5)."""
