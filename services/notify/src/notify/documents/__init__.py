"""Documents (文书) as cases and credit issue them, and the correction notices notify renders:
stored once, immutably, with their hash, verifiable by anyone (R-DLV-4)."""
