"""Documents (文书) as issued by cases: stored once, immutably, with their hash (R-DLV-4)."""
