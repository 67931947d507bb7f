"""Complaints (投诉): accepting, tracking and answering a worker's complaint."""
