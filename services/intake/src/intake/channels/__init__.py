"""Channels (R-INT-1): who may file complaints, with which key, and how fast."""
