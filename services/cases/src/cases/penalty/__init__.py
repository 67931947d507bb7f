"""Penalties (行政处罚): proposal, legal review, notice, decision, payment and publication deadlines."""
