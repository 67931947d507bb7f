"""Materials (材料, R-INT-2): the worker's evidence, uploaded by tracking code and stored by hash."""
