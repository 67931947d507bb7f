"""Penalties (行政处罚): proposal, legal review, notice, hearing (听证), decision, their service
and the publication deadline."""
