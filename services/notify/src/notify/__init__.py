"""Electronic delivery (电子送达): serves the bureau's documents with proof of service (R-DLV-*)."""
