"""Grids (网格, R-ORG-1): the four-level tree keyed by statistical division codes, grid workers, coverage."""
