"""Partners (合作单位): regulators who receive the disclosures they subscribe to (R-PUB-1)."""
