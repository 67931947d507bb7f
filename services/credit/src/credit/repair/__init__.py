"""Credit repair (信用修复, R-CRD-5) with its public notice and objections (R-PUB-5)."""
