"""Disclosures (公示): penalty results made public, on our pages, national platforms and feeds."""
